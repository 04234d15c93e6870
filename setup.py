"""Packages are found, not listed: every folder with an __init__.py under the four top-level roots
becomes vidc.<root>.<...> (metadata lives in pyproject.toml)."""

from setuptools import find_packages, setup

ROOTS = ("compiler", "runtime", "schemas", "templates")

setup(
    packages=[f"vidc.{p}" for p in find_packages(include=[*ROOTS, *(f"{r}.*" for r in ROOTS)])],
    package_dir={f"vidc.{r}": r for r in ROOTS},
)
