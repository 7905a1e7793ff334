"""Builds small valid packs on disk for the content tests; each test then breaks one thing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

PACK: dict[str, Any] = {
    "id": "mini",
    "version": "1",
    "locales": ["fr", "en"],
    "framework": {"id": "crcn", "name": {"fr": "CRCN", "en": "CRCN"}},
    "areas": [{
        "code": "1", "color": "#123456", "title": {"fr": "Information", "en": "Information"},
        "competences": [{"code": "1.1", "name": {"fr": "Rechercher", "en": "Search"}}],
    }],
}


def competence_file() -> dict[str, Any]:
    """One tube, two skills, one challenge of each type; all valid."""
    return {
        "competence": "1.1",
        "tutorials": [{
            "id": "tuto-1", "locale": "fr", "title": "Tutoriel", "source": "CNIL", "format": "page",
            "duration": "00:05:00", "link": "https://www.cnil.fr/",
        }],
        "tubes": [{
            "name": "@recherche",
            "title": {"fr": "Recherche", "en": "Search"},
            "skills": [
                {"level": 1, "tutorials": ["tuto-1"], "challenges": [
                    {"id": "qcu-1", "type": "QCU", "instruction": {"fr": "Choisir", "en": "Choose"},
                     "proposals": {"fr": ["un", "deux", "trois"], "en": ["one", "two", "three"]}, "solution": 2,
                     "illustration": {"file": "media/pic.svg", "alt": {"fr": "Une image", "en": "A picture"}}},
                    {"id": "qcm-1", "type": "QCM", "instruction": {"fr": "Cocher", "en": "Tick"},
                     "proposals": {"fr": ["a", "b", "c"], "en": ["a", "b", "c"]}, "solution": [1, 3]},
                ]},
                {"level": 2, "tutorials": ["tuto-1"], "challenges": [
                    {"id": "qroc-1", "type": "QROC", "instruction": {"fr": "Combien ?", "en": "How many?"},
                     "input": {"label": {"fr": "Nombre", "en": "Number"}, "numeric": True},
                     "format": "number", "solution": ["3,5"],
                     "attachment": {"file": "media/data.csv", "name": {"fr": "donnees.csv", "en": "data.csv"}}},
                    {"id": "qrocm-ind-1", "type": "QROCM-ind", "instruction": {"fr": "Compléter", "en": "Fill in"},
                     "inputs": [{"key": "nom", "label": {"fr": "Nom", "en": "Name"}},
                                {"key": "ext", "label": {"fr": "Extension", "en": "Extension"},
                                 "options": {"fr": [".txt", ".csv"], "en": [".txt", ".csv"]}}],
                     "solution": {"nom": {"fr": ["rapport"], "en": ["report"]}, "ext": [".csv"]}},
                    {"id": "qrocm-dep-1", "type": "QROCM-dep", "instruction": {"fr": "Deux", "en": "Two"},
                     "inputs": [{"key": "a", "label": {"fr": "Premier", "en": "First"}},
                                {"key": "b", "label": {"fr": "Second", "en": "Second"}}],
                     "solution": [["rouge"], ["vert"], ["bleu"]], "tolerances": ["T1", "T2", "T3"]},
                ]},
            ],
        }],
    }


def write_pack(root: Path, comp: dict[str, Any] | None = None, pack: dict[str, Any] | None = None) -> Path:
    (root / "competences").mkdir(parents=True, exist_ok=True)
    (root / "media").mkdir(exist_ok=True)
    (root / "media" / "pic.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    (root / "media" / "data.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    (root / "pack.yaml").write_text(yaml.safe_dump(pack or copy.deepcopy(PACK), allow_unicode=True), encoding="utf-8")
    data = comp if comp is not None else competence_file()
    (root / "competences" / "1.1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                                  encoding="utf-8")
    return root


def challenge(comp: dict[str, Any], cid: str) -> dict[str, Any]:
    for tube in comp["tubes"]:
        for skill in tube["skills"]:
            for ch in skill.get("challenges", []):
                if ch["id"] == cid:
                    return ch
    raise KeyError(cid)
