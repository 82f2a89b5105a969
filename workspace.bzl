"""Repositories agnapprox needs, declared offline.

Bazel 4 in WORKSPACE mode wants to download @rules_cc, @rules_java and
@remote_coverage_tools even for a pure C++ build; here they are small local
stand-ins that forward to the native rules. System libraries (Abseil, Eigen,
LibTorch, protobuf, GoogleTest, Google Benchmark) come from Debian's /usr.

Our own WORKSPACE calls this macro, and so does any repository that reuses our
targets:

    local_repository(name = "agnapprox", path = "/path/to/agnapprox-cpp")
    load("@agnapprox//:workspace.bzl", "agnapprox_dependencies")
    agnapprox_dependencies()
"""

def _generated_repository_impl(ctx):
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    for path, content in ctx.attr.files.items():
        ctx.file(path, content)

# A repository whose files are written from strings: no paths to resolve, so it
# works the same from our workspace and from a consumer's.
_generated_repository = repository_rule(
    implementation = _generated_repository_impl,
    attrs = {"files": attr.string_dict()},
    local = True,
)

def _forwarding_defs(rules):
    lines = []
    for rule in rules:
        lines.append("def %s(**kwargs):\n    native.%s(**kwargs)\n" % (rule, rule))
    return "\n".join(lines)

_CC_RULES = [
    "cc_binary",
    "cc_import",
    "cc_library",
    "cc_proto_library",
    "cc_test",
    "cc_toolchain",
    "cc_toolchain_suite",
    "fdo_prefetch_hints",
    "fdo_profile",
    "objc_import",
    "objc_library",
]

_JAVA_RULES = [
    "java_binary",
    "java_import",
    "java_library",
    "java_lite_proto_library",
    "java_package_configuration",
    "java_plugin",
    "java_proto_library",
    "java_runtime",
    "java_test",
    "java_toolchain",
]

def agnapprox_dependencies():
    """Declares every external repository agnapprox's targets use."""
    _generated_repository(
        name = "rules_cc",
        files = {
            "BUILD": "",
            "cc/BUILD": "",
            "cc/defs.bzl": _forwarding_defs(_CC_RULES),
        },
    )
    _generated_repository(
        name = "rules_java",
        files = {
            "BUILD": "",
            "java/BUILD": "",
            "java/defs.bzl": _forwarding_defs(_JAVA_RULES),
        },
    )

    # Coverage is unavailable offline; cc_test only needs these labels to exist.
    _generated_repository(
        name = "remote_coverage_tools",
        files = {
            "BUILD": "\n".join([
                "filegroup(name = \"coverage_report_generator\", visibility = [\"//visibility:public\"])",
                "filegroup(name = \"lcov_merger\", visibility = [\"//visibility:public\"])",
                "",
            ]),
        },
    )
    native.new_local_repository(
        name = "agnapprox_system",
        path = "/usr",
        build_file = str(Label("//third_party:system.BUILD")),
    )
