"""Builds and packages annal's Python module with the project's own CMake
build: `pip install --no-build-isolation ./python` (from the repository's
root, in a virtual environment or not). Needs only Debian's packages
(tools/install-deps.sh): cmake, ninja, pybind11-dev, python3-dev and the
engine's libraries. The module and libannal.so go into the package
directory (the module's RPATH is $ORIGIN)."""
import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("ANNAL_SOURCE_DIR", os.path.dirname(HERE))
# An existing, configured build directory to reuse (tools/test.sh passes its
# own: the module is then not compiled twice); default: build/python-wheel.
BUILD = os.environ.get("ANNAL_PY_BUILD_DIR")


class CMakeBuild(build_py):
    """Runs the CMake build of the module and its package, then stages
    `cmake --install --component python` into the wheel's annal/."""

    def run(self):
        build = BUILD or os.path.join(SOURCE, "build", "python-wheel")
        stage = os.path.join(build, "python-stage")
        if not BUILD:
            cfg = ["cmake", "-S", SOURCE, "-B", build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                   "-DANNAL_BUILD_TESTS=OFF", "-DANNAL_BUILD_BENCH=OFF",
                   f"-DPython_EXECUTABLE={sys.executable}"]
            if shutil.which("ninja"):
                cfg += ["-G", "Ninja"]
            subprocess.run(cfg, check=True)
        subprocess.run(["cmake", "--build", build, "-j", str(os.cpu_count() or 2),
                        "--target", "annal_python"], check=True)
        shutil.rmtree(stage, ignore_errors=True)
        subprocess.run(["cmake", "--install", build, "--component", "python",
                        "--prefix", stage], check=True)
        target = os.path.join(self.build_lib, "annal")
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(stage, "annal"), target, symlinks=True)


class BinaryDistribution(Distribution):
    def has_ext_modules(self):  # a platform wheel: it holds a native module
        return True


setup(
    name="annal",
    version="0.1.0",
    description="The annal embedded event-sourced engine, from Python",
    packages=["annal"],
    package_data={"annal": ["*.so*", "*.pyi", "py.typed"]},
    cmdclass={"build_py": CMakeBuild},
    distclass=BinaryDistribution,
    python_requires=">=3.10",
    zip_safe=False,
)
