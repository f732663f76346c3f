"""The persisted index, one job a module: `manifest` (what a build was made from; finding and checking the
live one), `build` (segments into a build folder), `files` (atomic writes, clearing old builds) and
`opening` (load, or rebuild under a lock). Layout of `index/`: `CURRENT` names the live build and the
SHA-256 of its manifest; each build is a folder of its own, made live by atomically replacing `CURRENT`."""
