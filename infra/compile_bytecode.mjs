// Compiles every .py under a directory (a layer, or a function's code) to the bytecode of the Lambda runtime's
// Python (3.13), which this machine need not have: Pyodide is CPython 3.13 built for WebAssembly, and bytecode does not depend on the
// platform. Lambda mounts layers read-only under /opt, so without these files every cold start would compile
// each imported module again. Hash-based .pyc (PEP 552, unchecked): valid whatever the files' timestamps.
// Usage: node infra/compile_bytecode.mjs <dir> <expected cache tag, e.g. cpython-313> [<where Lambda mounts it:
// /opt (default, a layer) or /var/task (a function's code)>]
import { loadPyodide } from "pyodide";

const [layerDir, expectedTag, mountedAt = "/opt"] = process.argv.slice(2);
const pyodide = await loadPyodide();
pyodide.FS.mkdirTree("/layer");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: layerDir }, "/layer");
pyodide.globals.set("expected_tag", expectedTag);
pyodide.globals.set("mounted_at", mountedAt);
const compiled = pyodide.runPython(`
import compileall, py_compile, sys

if sys.implementation.cache_tag != expected_tag:
    raise SystemExit(f"Pyodide runs {sys.implementation.cache_tag}, the layer needs {expected_tag}")
compileall.compile_dir(
    "/layer", quiet=1, stripdir="/layer", prependdir=mounted_at, workers=1,
    invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
)
`);
if (compiled !== true) {
  console.error(`compileall failed under ${layerDir}`);
  process.exit(1);
}
