"""The analyst notebooks (issue "The three users' workflows", analyst part).

``notebooks/01-quickstart`` walks one near-copy script (s071) through every table and plot;
``notebooks/02-collection`` treats the whole sample corpus as a collection. Both must run top to
bottom from any folder (the kernel works in a temp dir), import only the public API, and be
saved without outputs. The executed notebooks are checked through what a reader sees (images,
tables, printed text, stderr) and through a probe cell that reports their variables.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

import tropescan

pytestmark = pytest.mark.slow  # starts Jupyter kernels

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
NAMES = ["01-quickstart", "02-collection"]
PUBLIC_MODULES = {"tropescan", "tropescan.api", "tropescan.sample", "tropescan.collection"}

# What each notebook's probe reports (a Python expression evaluated in the kernel after the
# last cell) and what it must say about the sample corpus.
PROBE_01 = """{
    "script": script.id,
    "episodes": len(script.episodes),
    "empty_tables": [name for name, frame in {
        "tropes": analysis.tropes, "evidence": analysis.evidence, "twists": analysis.twists,
        "windows": analysis.windows, "episodes": analysis.episodes,
        "nearest": originality.nearest, "passages": originality.passages}.items() if frame.empty],
    "twists_in_windows": int(analysis.windows["n_twists"].sum()) - len(analysis.twists),
    "present": sorted(analysis.tropes.loc[analysis.tropes["present"], "trope"]),
    "nearest": originality.nearest["work_id"].iloc[0],
    "passage_works": sorted(set(originality.passages["work_id"])),
    "parts": sorted(originality.parts),
    "score_from_parts": round(float(parts["points"].sum()) - originality.score, 0),
}"""
EXPECT_01 = {
    "script": "s071", "episodes": 5, "empty_tables": [], "twists_in_windows": 0,
    "present": ["nixi_dalian", "zhanshen", "zhuixu"], "nearest": "s002",
    "passage_works": ["s002"],
    "parts": ["borrowed", "combination", "plot", "reuse", "similarity", "stock"],
    "score_from_parts": 0,
}

PROBE_02 = """{
    "rows": len(table),
    "ok": int((table["status"] == "ok").sum()),
    "same_ids_as_manifest": sorted(table["id"]) == sorted(w.id for w in works),
    "groups": table["group"].value_counts().sort_index().to_dict(),
    "missing_rewrites": sorted("+".join(sorted(p)) for p in derived
                               if p not in set(map(frozenset, zip(pairs["work_a"], pairs["work_b"])))),
    "bottom10_not_rewrites": sorted(set(bottom10["id"]) - set().union(*derived)),
    "top10_rewrites": sorted(set(top10["id"]) & set().union(*derived)),
    "formula_denser_than_culture":
        bool(by_group.loc["formula", "twist_density"] > by_group.loc["culture", "twist_density"]),
    "culture_tropes": float(by_group.loc["culture", "n_tropes"]),
    "similarity": list(collection.similarity.shape),
    "cooccurrence_symmetric": bool((cooccurrence.to_numpy() == cooccurrence.to_numpy().T).all()),
    "shares_rows": len(shares),
}"""
EXPECT_02 = {
    "rows": 78, "ok": 78, "same_ids_as_manifest": True,
    "groups": {"culture": 14, "formula": 56, "near-copy": 8},
    "missing_rewrites": [], "bottom10_not_rewrites": [], "top10_rewrites": [],
    "formula_denser_than_culture": True, "culture_tropes": 0.0, "similarity": [78, 78],
    "cooccurrence_symmetric": True, "shares_rows": 24,  # 23 tropes found and "(none)"
}

# name, probe, expected probe report, images shown, text a reader must see
RUNS = [
    pytest.param("01-quickstart", PROBE_01, EXPECT_01, 3,
                 ["青石县的上门女婿 | s071.txt", "twists in windows:"], id="01-quickstart"),
    pytest.param("02-collection", PROBE_02, EXPECT_02, 5,
                 ["78 scripts analysed, 78 ok, 0 failed", "8 of the 8 known rewrites found"],
                 id="02-collection"),
]


def _read(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _stream(nb: Any, name: str) -> str:
    return "".join(o["text"] for o in _outputs(nb) if o["output_type"] == "stream"
                   and o["name"] == name)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_saved_without_outputs(name: str) -> None:
    nb = _read(name)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "no code cells"
    assert [(i, c.execution_count, len(c.outputs)) for i, c in enumerate(code)
            if c.execution_count is not None or c.outputs] == []
    assert not any("execution" in c.metadata for c in code)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_import_only_public_api(name: str) -> None:
    """``import tropescan.x`` / ``from tropescan.x import`` / ``tropescan.name`` stay public."""
    used: set[str] = set()
    for cell in _read(name).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                used.update(a.name for a in node.names if a.name.split(".")[0] == "tropescan")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tropescan":
                used.add(node.module or "")
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "tropescan" and node.attr not in tropescan.__all__):
                used.add(f"tropescan.{node.attr}")
    assert "tropescan" in used
    assert used - PUBLIC_MODULES == set()


@pytest.mark.parametrize(("name", "probe", "expected", "images", "texts"), RUNS)
def test_notebooks_run_top_to_bottom(run_notebook: Any, name: str, probe: str,
                                     expected: dict[str, Any], images: int,
                                     texts: list[str]) -> None:
    nb, report = run_notebook(name, probe)
    outputs = _outputs(nb)
    assert [o for o in outputs if o["output_type"] == "error"] == []
    assert report == expected
    assert sum("image/png" in o.get("data", {}) for o in outputs) == images
    assert any("<table" in o.get("data", {}).get("text/html", "") for o in outputs)
    stdout = _stream(nb, "stdout")
    assert [t for t in texts if t not in stdout] == []


@pytest.mark.parametrize(("name", "probe"), [p.values[:2] for p in RUNS], ids=NAMES)
def test_notebooks_warn_only_about_missing_fonts(run_notebook: Any, name: str,
                                                 probe: str) -> None:
    """A reader sees no warnings but the documented one when no CJK font is installed."""
    stderr = _stream(run_notebook(name, probe)[0], "stderr")
    warnings = re.findall(r"(\w+(?:Warning|Error)): (.*)", stderr)
    assert [w for w in warnings if not w[1].startswith("no CJK font found")] == []
    assert "Traceback" not in stderr
