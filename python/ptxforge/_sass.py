"""SASS, the GPU's own instructions, disassembled from a kernel's cubin by nvdisasm.

nvdisasm is found on PATH, under CUDA_HOME / CUDA_PATH / /usr/local/cuda, or
in the NVIDIA pip packages (``pip install nvidia-cuda-nvdisasm``).
"""

import functools
import os
import shutil
import subprocess
import tempfile


@functools.cache
def find_nvdisasm():
    """The path of an nvdisasm executable, or None."""
    found = shutil.which("nvdisasm")
    if found:
        return found
    roots = [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"]
    for root in roots:
        if root and os.access(os.path.join(root, "bin", "nvdisasm"), os.X_OK):
            return os.path.join(root, "bin", "nvdisasm")
    try:
        import nvidia
    except ImportError:
        return None
    for base in getattr(nvidia, "__path__", []):
        for sub in ("cu13/bin", "cu12/bin", "cuda_nvdisasm/bin"):
            candidate = os.path.join(base, sub, "nvdisasm")
            if os.access(candidate, os.X_OK):
                return candidate
    return None


def disassemble(cubin, name="kernel"):
    """The SASS of a cubin (bytes), with source lines where the kernel has line info."""
    tool = find_nvdisasm()
    if tool is None:
        raise RuntimeError(f"nvdisasm was not found, so the SASS of '{name}' cannot be shown: install it with "
                           "'pip install nvidia-cuda-nvdisasm' or put the CUDA toolkit's bin folder on PATH "
                           "(inspect_asm() gives the PTX without it)")
    if not cubin:
        raise RuntimeError(f"'{name}' has no cubin to disassemble (it was loaded from PTX by the driver)")
    with tempfile.TemporaryDirectory(prefix="ptxforge-sass-") as tmp:
        path = os.path.join(tmp, "kernel.cubin")
        with open(path, "wb") as f:
            f.write(cubin)
        done = subprocess.run([tool, "-c", "-gi", path], capture_output=True, text=True, check=False)
        if done.returncode != 0:  # older nvdisasm without line info for this cubin
            done = subprocess.run([tool, "-c", path], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"nvdisasm failed on '{name}': {done.stderr.strip()}")
    return done.stdout
