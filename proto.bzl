"""C++ code for this project's .proto files, generated with Debian's protoc."""

def cc_proto(name, src, visibility = None, out = None):
    """A cc_library `name` with the .pb.h/.pb.cc that protoc makes from `src`.

    Includes use the package path, e.g. "multipliers/catalog.pb.h". `src` may
    be a label in another repository (a system schema); then `out` names the
    generated files' base name in this package.
    """
    base = out if out else src[:-len(".proto")]
    native.genrule(
        name = name + "_gen",
        srcs = [src],
        outs = [base + ".pb.cc", base + ".pb.h"],
        cmd = "protoc --proto_path=$$(dirname $(location %s)) --cpp_out=$(@D) $(location %s)" % (src, src),
    )
    native.cc_library(
        name = name,
        srcs = [base + ".pb.cc"],
        hdrs = [base + ".pb.h"],
        copts = ["-Wno-unused-parameter"],
        visibility = visibility,
        deps = ["@agnapprox_system//:protobuf"],
    )
