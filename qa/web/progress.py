"""How far a running index write is, as the page says it: task, stage, count and the time left."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

# IndexWriter's stage names → what the page calls them.
STAGE_NAMES = {"parsing": "解析文件", "embedding": "计算向量", "writing": "写入索引"}


@dataclass
class Progress:
    """Where a running index write is: stage (解析文件 / 计算向量 / 写入索引), done and total."""

    task: str = ""
    stage: str = ""
    done: int = 0
    total: int = 0
    stage_started: float = field(default_factory=time.monotonic)

    @property
    def fraction(self) -> float:
        """The share of this stage done, 0.0 to 1.0 (0.0 while the total is unknown)."""
        return self.done / self.total if self.total else 0.0

    def seconds_left(self) -> float | None:
        """The time left in this stage, from its pace so far (None before the first batch is done)."""
        if not self.total or not self.done or self.done >= self.total:
            return None
        elapsed = time.monotonic() - self.stage_started
        return elapsed / self.done * (self.total - self.done)

    def describe(self) -> str:
        """«加入资料库：计算向量 12/40，约剩 8 秒» (the task alone before the first stage starts)."""
        if not self.stage:
            return self.task
        count = f" {self.done}/{self.total}" if self.total else ""
        left = self.seconds_left()
        eta = ""
        if left is not None:
            eta = f"，约剩 {max(1, round(left))} 秒" if left < 90 else f"，约剩 {round(left / 60)} 分钟"
        return f"{self.task}：{self.stage}{count}{eta}"

    def reporter(self, notify: Callable[[Progress], None]) -> Callable[[str, int, int], None]:
        """IndexWriter's ``progress(stage, done, total)`` callback: updates this object, then ``notify(self)``."""

        def report(stage: str, done: int, total: int) -> None:
            name = STAGE_NAMES.get(stage, stage)
            if name != self.stage:
                self.stage_started = time.monotonic()  # the time left is estimated per stage
            self.stage, self.done, self.total = name, done, total
            notify(self)

        return report
