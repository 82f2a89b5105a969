"""Link options shared by the binaries."""

# For the tools that do not link LibTorch (//:match, //:catalog): one static
# executable, with nothing for the dynamic loader to find and relocate at
# start-up. (LibTorch's binaries cannot be: LibTorch is shared, and loads the
# shared libprotobuf itself. Sanitizer builds cannot be either.) Loading the
# shared Abseil and protobuf libraries was about 10 ms of a small //:match
# run on this project's machines (README, "Start-up of //:match").
NO_TORCH_LINKOPTS = select({
    "//third_party:sanitized": [],
    "//conditions:default": ["-static"],
})
