"""Package layout (the rest of the metadata is in pyproject.toml).

The codebook lives at the top of the repository, where people review it, and ships inside the
wheel as the data package ``toolkit._codebook``.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["toolkit", "toolkit.*"]), "toolkit._codebook"],
    package_dir={"toolkit._codebook": "codebook"},
)
