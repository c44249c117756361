"""Local emulator of the Azure OpenAI fine-tuning data plane (files, jobs, chat).

Start it with `ftui.core.emulator.server.start_emulator()` or `ftui emulator`.
"""

from __future__ import annotations
