#include "nets/data/image_decode.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include <jpeglib.h>
#include <png.h>

#include "absl/strings/str_cat.h"

namespace agnapprox {
namespace {

struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void OnJpegError(j_common_ptr info) {
  JpegError* e = reinterpret_cast<JpegError*>(info->err);
  (*info->err->format_message)(info, e->message);
  std::longjmp(e->jump, 1);
}

void QuietJpegWarning(j_common_ptr, int) {}

absl::StatusOr<torch::Tensor> DecodeJpeg(const std::string& bytes, const std::string& name) {
  jpeg_decompress_struct info;
  JpegError error;
  info.err = jpeg_std_error(&error.mgr);
  error.mgr.error_exit = OnJpegError;
  error.mgr.emit_message = QuietJpegWarning;
  // Everything with a destructor is made before setjmp: a longjmp back to
  // it must not skip one.
  std::vector<uint8_t> pixels;
  int64_t h = 0, w = 0, c = 0;
  bool cmyk = false, adobe_inverted = false;
  if (setjmp(error.jump) != 0) {
    jpeg_destroy_decompress(&info);
    return absl::InvalidArgumentError(absl::StrCat(name, ": JPEG does not decode: ", error.message));
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  info.out_color_space = cmyk ? JCS_CMYK : info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  // The decoder's default IDCT and upsampling, as PIL's: pixels agree
  // within one level with it.
  jpeg_start_decompress(&info);
  h = info.output_height, w = info.output_width, c = info.output_components;
  pixels.resize(static_cast<size_t>(h * w * c));
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = pixels.data() + static_cast<size_t>(info.output_scanline) * w * c;
    jpeg_read_scanlines(&info, &row, 1);
  }
  adobe_inverted = info.saw_Adobe_marker;
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  torch::Tensor out = torch::from_blob(pixels.data(), {h, w, c}, torch::kUInt8).clone();
  if (cmyk) {
    // CMYK to RGB as PIL converts: R = 255 - min(255, C + K), Adobe's
    // files storing the inverted values.
    torch::Tensor v = out.to(torch::kInt);
    if (adobe_inverted) v = 255 - v;
    torch::Tensor k = v.select(2, 3).unsqueeze(2);
    out = (255 - (v.slice(2, 0, 3) + k).clamp_max(255)).to(torch::kUInt8);
  }
  return out;
}

absl::StatusOr<torch::Tensor> DecodePng(const std::string& bytes, const std::string& name) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": PNG does not decode: ", image.message));
  }
  // Grey stays grey, everything else RGB; alpha read and then dropped (not
  // composited), as PIL's convert("RGB") drops it.
  const bool colour = (image.format & PNG_FORMAT_FLAG_COLOR) != 0 ||
                      (image.format & PNG_FORMAT_FLAG_COLORMAP) != 0;
  image.format = colour ? PNG_FORMAT_RGBA : PNG_FORMAT_GA;
  const int64_t c = colour ? 4 : 2;
  std::vector<uint8_t> pixels(PNG_IMAGE_SIZE(image));
  if (!png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) {
    png_image_free(&image);
    return absl::InvalidArgumentError(absl::StrCat(name, ": PNG does not decode: ", image.message));
  }
  const int64_t h = image.height, w = image.width;
  torch::Tensor all = torch::from_blob(pixels.data(), {h, w, c}, torch::kUInt8);
  return all.slice(2, 0, c - 1).clone();
}

}  // namespace

ImageKind KindOf(const std::string& head) {
  if (head.size() >= 3 && static_cast<unsigned char>(head[0]) == 0xFF &&
      static_cast<unsigned char>(head[1]) == 0xD8 && static_cast<unsigned char>(head[2]) == 0xFF) {
    return ImageKind::kJpeg;
  }
  if (head.size() >= 8 && std::memcmp(head.data(), "\x89PNG\r\n\x1a\n", 8) == 0) {
    return ImageKind::kPng;
  }
  return ImageKind::kOther;
}

absl::StatusOr<torch::Tensor> DecodeImage(const std::string& bytes, const std::string& name) {
  switch (KindOf(bytes.substr(0, 8))) {
    case ImageKind::kJpeg: return DecodeJpeg(bytes, name);
    case ImageKind::kPng: return DecodePng(bytes, name);
    case ImageKind::kOther: break;
  }
  return absl::InvalidArgumentError(name + ": neither JPEG nor PNG");
}

}  // namespace agnapprox
