"""``ScriptBuilder``: the one place where readers assemble episodes, scenes and lines, and
where the normalised text and its offsets are made, so every format gets the same model.
"""

from __future__ import annotations

from ..model import Episode, Line, LineKind, Scene, Script
from ..normalize import is_traditional, normalize


class ScriptBuilder:
    def __init__(self, *, path: str | None, fmt: str, encoding: str) -> None:
        self.script = Script(episodes=[], path=path, format=fmt, encoding=encoding)
        self._episode: Episode | None = None
        self._scene: Scene | None = None
        self.flashback = False

    # -- structure -------------------------------------------------------------------------
    def start_episode(self, number: int | None, title: str | None, source_line: int) -> Episode:
        if number is None:
            number = len(self.script.episodes) + 1
        self._episode = Episode(number=number, title=title or None, source_line=source_line)
        self.script.episodes.append(self._episode)
        self._scene = None
        self.flashback = False
        return self._episode

    def start_scene(self, heading: Line | None, **fields: str | None) -> Scene:
        first_line = heading.source_line if heading else 1
        episode = self._episode or self.start_episode(1, None, first_line)
        scene = Scene(number=len([s for s in episode.scenes if s.number]) + 1, **fields)  # type: ignore[arg-type]
        if heading is not None:
            scene.heading = heading.text
            heading.flashback = self.flashback
            scene.lines.append(heading)
        episode.scenes.append(scene)
        self._scene = scene
        return scene

    def update_scene(self, fields: dict[str, str]) -> None:
        """Fill in time or place given on lines after the heading (block-style headings)."""
        if self._scene is None:
            self.start_scene(None)
        assert self._scene is not None
        for key, value in fields.items():
            if value and getattr(self._scene, key, None) is None:
                setattr(self._scene, key, value)

    @property
    def has_episode(self) -> bool:
        return self._episode is not None

    def add(self, line: Line) -> None:
        if line.kind == LineKind.META:
            self.script.front_matter.append(line)
            return
        if self._episode is None:
            self.start_episode(1, None, line.source_line)
        if self._scene is None:
            assert self._episode is not None
            self._scene = Scene(number=0)
            self._episode.scenes.append(self._scene)
        line.flashback = self.flashback
        self._scene.lines.append(line)

    # -- finish ----------------------------------------------------------------------------
    def finish(self) -> Script:
        script = self.script
        for episode in script.episodes:
            episode.scenes = [s for s in episode.scenes if s.lines]
        script.episodes = [e for e in script.episodes if e.scenes]
        numbers = [e.number for e in script.episodes]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            script.warnings.append(
                "episode number(s) used twice: " + ", ".join(f"第{n}集" for n in repeated)
                + " (kept as separate episodes, in file order)")
        sample = "".join(line.content for line in script.lines[:400])
        script.traditional = is_traditional(sample)
        parts: list[str] = []
        offset = 0
        for line in script.lines:
            line.norm = normalize(line.content, traditional=script.traditional)
            line.offset = offset
            parts.append(line.norm)
            offset += len(line.norm) + 1
        for line in script.front_matter:
            line.norm = normalize(line.content, traditional=script.traditional)
        script.text = "\n".join(parts)
        return script
