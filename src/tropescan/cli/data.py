"""The data maintainer's commands: lexicon list/show/check, train, evaluate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..api import Analyzer, Settings
from ..evaluation import cross_validate_tropes, evaluate_twists, load_corpus, train_models
from ..lexicon import Lexicon, check_files, load_lexicon
from ..report.terminal import render_evaluation
from ..sample import twist_annotations, twist_labels
from ..trope_eval import evaluate_set
from ..twist_eval import evaluate_twists_on_set
from .common import dumps, emit, format_option, handle_errors, lexicon_option, lexicon_paths


@click.group()
def lexicon() -> None:
    """List, show and check trope lexicons (TOML data files).

    \b
    Example:
      tropescan lexicon list
      tropescan lexicon check my_trope.toml
    """


@lexicon.command("list")
@lexicon_option
@handle_errors
def lexicon_list(lexicons: tuple[Path, ...]) -> None:
    """List the tropes with their names and number of cues.

    \b
    Example:
      tropescan lexicon list
    """
    lex = load_lexicon(lexicons)
    for t in lex.tropes.values():
        click.echo(f"{t.id:12s} {t.name_zh}\t{t.name_en}\t{len(t.cues)} cues"
                   + (f", {len(t.patterns)} patterns" if t.patterns else ""))
    click.echo(f"twist categories: {', '.join(lex.twists)}; stock lines: {len(lex.stock_lines)}; "
               f"lexicon version {lex.version}")


@lexicon.command("show")
@click.argument("trope_id")
@lexicon_option
@handle_errors
def lexicon_show(trope_id: str, lexicons: tuple[Path, ...]) -> None:
    """Show one trope: description, cues by weight, negative contexts.

    \b
    Example:
      tropescan lexicon show zhuixu
    """
    lex = load_lexicon(lexicons)
    if trope_id not in lex.tropes:
        raise click.BadParameter(f"unknown trope {trope_id!r}; choose one of "
                                 f"{', '.join(lex.tropes)}", param_hint="TROPE_ID")
    click.echo(_describe(lex, trope_id))


def _describe(lex: Lexicon, trope_id: str) -> str:
    t = lex.tropes[trope_id]
    out = [f"{t.id} {t.name_zh} ({t.name_en})\n{t.description}\n"]
    out += [f"  {w:3.1f}  {cue}" for cue, w in sorted(t.cues.items(), key=lambda kv: (-kv[1], kv[0]))]
    if t.patterns:
        out.append("\npatterns (situations told with words between):")
        out += [f"  {w:3.1f}  {p}" for p, w in sorted(t.patterns.items(),
                                                       key=lambda kv: (-kv[1], kv[0]))]
    if t.negative_contexts or t.negative_phrases:
        out.append(f"\nnegative contexts: {'、'.join(t.negative_contexts)}")
        out.append(f"protected phrases: {'、'.join(t.negative_phrases)}")
    return "\n".join(out)


@lexicon.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def lexicon_check(files: tuple[Path, ...]) -> None:
    """Validate lexicon files (default: the built-in ones); print file: key: problem.

    \b
    Example:
      tropescan lexicon check my_trope.toml
    """
    checked, problems = check_files(files)
    for p in problems:
        click.echo(p, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {len(checked)} file(s) valid")


@click.command()
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the trained models (use with --models DIR).")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False),
              help="A manifest CSV with trope labels (default: the bundled sample corpus).")
@lexicon_option
@handle_errors
def train(output: Path, manifest: Path | None, lexicons: tuple[Path, ...]) -> None:
    """Train the trope classifier and the twist model on a labelled corpus.

    \b
    Example:
      tropescan train -o my_models
      tropescan scan draft.txt --models my_models
    """
    analyzer = Analyzer(Settings(lexicons=lexicon_paths(lexicons), use_classifier=False,
                                 use_twist_model=False), corpus=None)
    result = train_models(analyzer, output, str(manifest) if manifest else None)
    meta = result["classifier"]
    click.echo(f"trope classifier: {meta['training_scripts']} scripts, "
               f"{meta['training_documents']} episodes -> {output / 'trope_classifier'}")
    if result["twist_model"]:
        click.echo(f"twist model: {result['twist_model']['training_lines']} labelled lines -> "
                   f"{output / 'twist_model'}")


@click.command()
@click.option("--twists", "twists_only", is_flag=True, help="Evaluate twist detection only.")
@click.option("--tropes", "tropes_only", is_flag=True, help="Evaluate trope tagging only.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--set", "labelled_set", type=click.Choice(["dev", "challenge"]),
              help="Measure the shipped models on a labelled set instead of cross-validating on "
                   "the sample corpus (challenge: never trained or tuned on).")
@format_option("table", "json")
@handle_errors
def evaluate(twists_only: bool, tropes_only: bool, folds: int, manifest: Path | None,
             labelled_set: str | None, fmt: str) -> None:
    """Measure trope tagging and twist detection on labelled data.

    \b
    Example:
      tropescan evaluate
      tropescan evaluate --tropes --set challenge
    """
    if labelled_set:
        analyzer = Analyzer(corpus=None)
        out = {"tropes_set": evaluate_set(labelled_set, analyzer)} if not twists_only else {}
        if not tropes_only:
            out["twists_set"] = evaluate_twists_on_set(labelled_set, analyzer)
        emit(dumps(out) if fmt == "json" else render_evaluation(out), None)
        return
    analyzer = Analyzer(Settings(use_classifier=False, use_twist_model=False), corpus=None)
    corpus = load_corpus(analyzer, str(manifest) if manifest else None)
    out: dict[str, Any] = {}
    if not twists_only:
        out["tropes"] = cross_validate_tropes(corpus, analyzer, folds=folds)
    if not tropes_only:
        out["twists"] = evaluate_twists(corpus, analyzer, twist_labels(manifest), folds=folds,
                                        annotations=twist_annotations(manifest))
    emit(dumps(_plain(out)) if fmt == "json" else render_evaluation(out), None)


def _plain(v: Any) -> Any:
    """DataFrames as records, recursively: what JSON can hold."""
    if hasattr(v, "to_dict"):
        return v.to_dict(orient="records")
    return {k: _plain(x) for k, x in v.items()} if isinstance(v, dict) else v
