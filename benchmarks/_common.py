"""Helpers shared by the benchmark scripts (not a test module, not part of the package).

Each ``bench_*.py`` puts this folder on ``sys.path`` (Python does that for the script's own
folder) and imports from here: the machine banner, medians, ratio lines and the synthetic
scripts built from the sample corpus.

Ratio lines have one fixed, greppable shape so tests/test_benchmarks_smoke.py and a reader can
find them::

    RATIO analysis_vs_jieba_warm = 0.42x  (target <= 0.5x: MET)
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("tropescan", "jieba", "rjieba", "numpy", "scikit-learn", "datasketch")


# --- the machine -----------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def print_machine(title: str, extra_packages: Sequence[str] = (), quick: bool = False) -> None:
    """The banner every benchmark prints first: what ran, where, with which versions."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 1
    print(f"== {title}{'  [--quick]' if quick else ''}")
    print(f"date      {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"cpu       {cpu_model()}")
    print(f"cores     {os.cpu_count()} (usable by this process: {usable})")
    print(f"load      {machine_load()}")
    print(f"python    {platform.python_version()} ({platform.python_implementation()}, "
          f"{platform.system()} {platform.release()})")
    for name in (*PACKAGES, *extra_packages):
        print(f"{name:<13} {package_version(name)}")
    print(f"source    {source_state()}")
    print(f"TROPESCAN_CACHE={os.environ.get('TROPESCAN_CACHE', '(unset: user cache folder)')}")
    print(flush=True)


def machine_load() -> str:
    """Load average and CPU pressure: a busy machine stretches every wall-clock figure."""
    parts = []
    with contextlib.suppress(OSError):
        parts.append("loadavg " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    try:
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        parts.append("cpu pressure " + " ".join(s for s in some if s.startswith("avg")))
    except (OSError, IndexError):
        pass
    return "; ".join(parts) or "unknown"


def source_state() -> str:
    """The checkout's commit, and whether the working tree differs from it (read-only git)."""
    import subprocess

    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                              capture_output=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"],
                               cwd=root, text=True, capture_output=True, timeout=10,
                               check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    return f"commit {head}" + (" + uncommitted changes in src/" if dirty else "")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes).

    On Linux the high-water mark of the process's own memory (``VmHWM``): ``ru_maxrss``
    carries a parent's peak over into a child it starts."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


# --- timing ----------------------------------------------------------------------------------

def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """``(seconds, fn(*args, **kwargs))``."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def median(xs: Iterable[float]) -> float:
    return float(statistics.median(list(xs)))


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its finished, waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Runs(dict):
    """Wall seconds per name (the dict), and CPU seconds per name in ``.cpu``."""

    cpu: dict[str, list[float]]


def interleaved(fns: dict[str, Callable[[], Any]], repeat: int) -> Runs:
    """Run each function ``repeat`` times, alternating A B A B …, so slow phases of a busy
    machine hit both sides of a ratio alike. Returns the wall times per name, and the CPU
    times in ``.cpu``: on a machine shared with other work the wall clock also counts time
    spent waiting for a core, the CPU time does not."""
    times = Runs({name: [] for name in fns})
    times.cpu = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            c0 = cpu_seconds()
            times[name].append(timed(fn)[0])
            times.cpu[name].append(cpu_seconds() - c0)
    return times


def fmt_times(xs: Sequence[float], unit: str = "s") -> str:
    scale = 1000.0 if unit == "ms" else 1.0
    return " ".join(f"{x * scale:.3g}" for x in xs) + f" {unit}"


def ratio_line(name: str, value: float, op: str | None = None, target: float | None = None,
               note: str = "") -> bool | None:
    """Print one ``RATIO`` line; return whether the target is met (None: no target)."""
    met: bool | None = None
    text = f"RATIO {name} = {value:.3g}x"
    if op is not None and target is not None:
        met = value <= target if op == "<=" else value >= target
        text += f"  (target {op} {target:g}x: {'MET' if met else 'NOT MET'})"
    if note:
        text += f"  {note}"
    print(text, flush=True)
    return met


def target_line(name: str, value: float, unit: str, op: str, target: float) -> bool:
    met = value <= target if op == "<=" else value >= target
    print(f"TARGET {name} = {value:.3g} {unit}  (target {op} {target:g} {unit}: "
          f"{'MET' if met else 'NOT MET'})", flush=True)
    return met


def tropescan_command() -> list[str]:
    """The installed console script next to this interpreter (else on PATH, else the module)."""
    local = Path(sys.executable).with_name("tropescan")
    if local.exists():
        return [str(local)]
    found = shutil.which("tropescan")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from tropescan.cli import main; sys.exit(main())"]


# --- synthetic scripts from the sample corpus --------------------------------------------------

def render_episode(episode: Any, number: int) -> list[str]:
    """One parsed episode written back in the plain-text conventions the text reader knows:
    ``第N集``, ``N-M 日 内 地点``, ``△`` actions, ``角色：台词``, ``角色OS：``."""
    from tropescan.model import LineKind

    out = [f"第{number}集 {episode.title or ''}".rstrip()]
    for k, scene in enumerate(episode.scenes, start=1):
        out.extend(render_scene(scene, number, k, LineKind))
    return out


def render_scene(scene: Any, episode_number: int, scene_number: int, kinds: Any = None) -> list[str]:
    if kinds is None:
        from tropescan.model import LineKind as kinds
    place = scene.location or "某处"
    out = [f"{episode_number}-{scene_number} {scene.time_of_day or '日'} {scene.interior or '内'} {place}"]
    for line in scene.lines:
        content = line.content.strip()
        if not content:
            continue
        if line.kind == kinds.DIALOGUE:
            out.append(f"{line.speaker or '路人'}：{content}")
        elif line.kind == kinds.VOICEOVER:
            out.append(f"{line.speaker or '旁白'}OS：{content}")
        elif line.kind == kinds.SUBTITLE:  # subtitles have no speaker: a narrator says them
            out.append(f"{line.speaker or '旁白'}：{content}")
        elif line.kind in (kinds.ACTION, kinds.PROSE):
            out.append(f"△{content}")
        elif line.kind == kinds.TRANSITION:
            out.append(line.text.strip())
    return out


def sample_scripts(analyzer: Any) -> list[tuple[Any, Any]]:
    """Every sample-corpus work with its parsed ``Script``, in manifest order."""
    from tropescan.sample import read_manifest

    return [(w, analyzer.read(w.path)) for w in read_manifest()]


def series_script(analyzer: Any, n_episodes: int, folder: Path) -> Path:
    """The first ``n_episodes`` episodes of the sample scripts as one series, renumbered 1..N,
    written to ``folder/series_<N>.txt`` (an 80-episode series is ~50k characters, the size of
    a real one)."""
    lines = ["剧本名：《合订本》", "类型：都市 / 合集"]
    number = 1
    for _work, script in sample_scripts(analyzer):
        for episode in script.episodes:
            if number > n_episodes:
                break
            lines.extend(render_episode(episode, number))
            number += 1
    path = folder / f"series_{n_episodes}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def long_script(analyzer: Any, target_chars: int, folder: Path) -> Path:
    """Sample scripts concatenated into one long series with episodes renumbered 1..N,
    written to ``folder/long_series.txt``; stops once the parsed text (``Script.text``, what
    the analysis segments) holds at least ``target_chars`` characters."""
    lines = ["剧本名：《合订本》", "类型：都市 / 合集"]
    number, total = 1, 0
    for _work, script in sample_scripts(analyzer):
        for episode in script.episodes:
            lines.extend(render_episode(episode, number))
            number += 1
            total += sum(len(ln.norm) + 1 for ln in episode.lines)
            if total >= target_chars:
                break
        if total >= target_chars:
            break
    path = folder / "long_series.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ensure_sample_index(analyzer: Any) -> float:
    """Build (or load) the cached sample index now, so later timings never include it."""
    seconds, index = timed(getattr, analyzer, "corpus")
    where = index.meta.get("path")
    how = f"loaded from {where}" if where else "built now and cached for the runs below"
    print(f"sample index: {len(index)} works, {index.n_chunks} chunks, {how} ({seconds:.2f} s)",
          flush=True)
    return seconds
