"""``.zenodo.json``, the deposit metadata a tagged release sends to Zenodo for a DOI, generated from CITATION.cff.

CITATION.cff is the one place for the edition; this file is derived from it and committed, and a test checks the two
agree. After editing CITATION.cff, regenerate it: ``python -m compute_ledger.zenodo``.
"""

from __future__ import annotations

import json

from compute_ledger import inputs, paths

ZENODO_JSON = paths.ROOT / ".zenodo.json"


def metadata(cff: dict) -> dict:
    """Zenodo's deposit fields for the dataset CITATION.cff describes."""
    record = {
        "upload_type": "dataset",
        "access_right": "open",
        "title": cff["title"],
        "version": str(cff["version"]),
        "publication_date": str(cff["date-released"]),
        "description": cff["abstract"],
        "creators": [{"name": author["name"]} for author in cff["authors"]],
        "license": str(cff["license"]).lower(),  # Zenodo's licence ids are lower case: cc-by-4.0
        "keywords": list(cff["keywords"]),
        "notes": cff["message"],  # it states the code's licence (MIT); the licence above is the data's
    }
    related = [
        {"identifier": cff[key], "relation": relation, "scheme": "url"}
        for key, relation in (("url", "isDocumentedBy"), ("repository-code", "isSupplementedBy"))
        if cff.get(key)
    ]
    if related:
        record["related_identifiers"] = related
    return record


def render(cff: dict) -> str:
    return json.dumps(metadata(cff), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    ZENODO_JSON.write_text(render(inputs.read_yaml(paths.CITATION_CFF)), encoding="utf-8")


if __name__ == "__main__":
    main()
