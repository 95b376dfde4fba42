"""Vendor the browser assets the map needs into static/, from the npm registry, reproducibly.

folium 0.20, its MarkerCluster plugin and streamlit-folium load Leaflet, jQuery,
Bootstrap, Font Awesome, Leaflet.awesome-markers and Leaflet.markercluster from
CDNs. Offline that leaves a blank map, so this script fetches each package with
``npm pack <name>@<version>`` (the registry's own integrity check applies), checks
the tarball's sha512 against the pinned value below, copies only the files the
map loads plus the package's licence into ``static/<dir>/<version>/``, and writes
``static/MANIFEST.json`` with every file's sha256.

Usage::

    python scripts/vendor_assets.py           # fetch, verify, (re)write static/
    python scripts/vendor_assets.py --check   # offline: verify static/ against MANIFEST.json

``layers/assets.py`` maps folium's link names to these files; ``--check`` is
also run by ``tests/test_layers.py``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parent.parent
STATIC = REPO / "static"
MANIFEST = STATIC / "MANIFEST.json"


@dataclass(frozen=True)
class Package:
    """One npm package: where it goes and which of its files we keep."""

    name: str
    version: str
    directory: str
    integrity: str  # npm's sha512 "integrity" of the tarball, pinned here
    license: str
    files: tuple[str, ...]  # paths inside the tarball's package/ folder; "dir/*" = all files in dir
    strip: str = ""  # prefix removed from kept paths (e.g. "dist/")


PACKAGES: tuple[Package, ...] = (
    Package(
        name="leaflet",
        version="1.9.4",
        directory="leaflet",
        integrity="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        license="BSD-2-Clause",
        files=("dist/leaflet.js", "dist/leaflet.css", "dist/images/*", "LICENSE"),
        strip="dist/",
    ),
    Package(
        name="jquery",
        version="3.7.1",
        directory="jquery",
        integrity="sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
        license="MIT",
        files=("dist/jquery.min.js", "LICENSE.txt"),
        strip="dist/",
    ),
    Package(
        name="bootstrap",
        version="5.2.2",
        directory="bootstrap",
        integrity="sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ==",
        license="MIT",
        files=("dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css", "LICENSE"),
        strip="dist/",
    ),
    Package(
        name="@fortawesome/fontawesome-free",
        version="6.2.0",
        directory="fontawesome-free",
        integrity="sha512-CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ==",
        license="CC-BY-4.0 (icons) AND OFL-1.1 (fonts) AND MIT (code)",
        files=("css/all.min.css", "webfonts/*", "LICENSE.txt"),
    ),
    Package(
        name="leaflet.awesome-markers",
        version="2.0.5",
        directory="leaflet.awesome-markers",
        integrity="sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/8YOvybyMabTMM/mFWCTd1jZIQA==",
        license="MIT (LICENSE file; package.json says ISC)",
        files=(
            "dist/leaflet.awesome-markers.js",
            "dist/leaflet.awesome-markers.css",
            "dist/images/*",
            "LICENSE",
        ),
        strip="dist/",
    ),
    Package(
        name="leaflet.markercluster",
        version="1.5.3",
        directory="leaflet.markercluster",
        integrity="sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        license="MIT",
        files=(
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
            "MIT-LICENCE.txt",
        ),
        strip="dist/",
    ),
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sha512_integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _npm_pack(pkg: Package, dest: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", f"{pkg.name}@{pkg.version}", "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)[0]
    tarball = dest / info["filename"]
    if info.get("integrity") != pkg.integrity or _sha512_integrity(tarball) != pkg.integrity:
        raise SystemExit(
            f"{pkg.name}@{pkg.version}: tarball integrity {_sha512_integrity(tarball)} "
            f"differs from the pinned {pkg.integrity}; refusing to vendor it."
        )
    return tarball


def _wanted(member: str, pkg: Package) -> bool:
    rel = member.removeprefix("package/")
    for pattern in pkg.files:
        if pattern.endswith("/*"):
            folder = pattern[:-1]
            if rel.startswith(folder) and "/" not in rel[len(folder) :]:
                return True
        elif rel == pattern:
            return True
    return False


def _extract(pkg: Package, tarball: Path) -> list[dict[str, str]]:
    target = STATIC / pkg.directory / pkg.version
    if target.exists():
        shutil.rmtree(target)
    kept: list[dict[str, str]] = []
    with tarfile.open(tarball, "r:gz") as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not member.isfile() or not _wanted(member.name, pkg):
                continue
            rel = PurePosixPath(member.name.removeprefix("package/"))
            if rel.is_absolute() or ".." in rel.parts:
                raise SystemExit(f"{pkg.name}: unsafe member path {member.name!r} in the tarball")
            out_rel = str(rel).removeprefix(pkg.strip) if pkg.strip else str(rel)
            out = target / out_rel
            out.parent.mkdir(parents=True, exist_ok=True)
            data = tar.extractfile(member)
            if data is None:
                continue
            out.write_bytes(data.read())
            kept.append(
                {"path": out.relative_to(STATIC).as_posix(), "sha256": _sha256(out)},
            )
    missing = [
        p
        for p in pkg.files
        if not p.endswith("/*")
        and not any(f["path"].endswith(p.removeprefix(pkg.strip)) for f in kept)
    ]
    if missing:
        raise SystemExit(f"{pkg.name}@{pkg.version}: files not found in the tarball: {missing}")
    return kept


def vendor() -> None:
    STATIC.mkdir(exist_ok=True)
    entries = []
    with tempfile.TemporaryDirectory(prefix="vendor-") as tmp:
        for pkg in PACKAGES:
            tarball = _npm_pack(pkg, Path(tmp))
            files = _extract(pkg, tarball)
            entries.append(
                {
                    "name": pkg.name,
                    "version": pkg.version,
                    "license": pkg.license,
                    "source": f"npm registry, npm pack {pkg.name}@{pkg.version}",
                    "tarball_integrity": pkg.integrity,
                    "files": files,
                }
            )
            print(f"{pkg.name}@{pkg.version}: {len(files)} files")
    manifest = {
        "about": "Browser assets of the offline map, written by scripts/vendor_assets.py.",
        "packages": entries,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def check() -> list[str]:
    """Return the problems found when comparing static/ with MANIFEST.json (empty = fine)."""
    problems: list[str] = []
    manifest = json.loads(MANIFEST.read_text())
    listed = set()
    for entry in manifest["packages"]:
        for f in entry["files"]:
            path = STATIC / f["path"]
            listed.add(path)
            if not path.is_file():
                problems.append(f"missing: static/{f['path']}")
            elif _sha256(path) != f["sha256"]:
                problems.append(f"changed: static/{f['path']}")
    for path in STATIC.rglob("*"):
        if path.is_file() and path != MANIFEST and path not in listed:
            problems.append(f"not in MANIFEST.json: {path.relative_to(REPO)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify static/ offline")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p)
        print("static/ matches MANIFEST.json" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    vendor()
    return 0


if __name__ == "__main__":
    sys.exit(main())
