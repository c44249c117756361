"""`ftui curate` command line and the detail pane's rendering of message parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftui.tui.cli import main
from ftui.tui.widgets.example_detail import render_content


def test_curate_missing_file_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["curate", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ftui: ")
    assert "no such file" in err
    assert len(err.strip().splitlines()) == 1


def test_curate_help_lists_model_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["curate", "--help"])
    assert "--model" in capsys.readouterr().out


def test_image_audio_and_refusal_parts_read_as_text() -> None:
    message = {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is on this X-ray?"},
            {
                "type": "image_url",
                "image_url": {"url": "https://x.test/a.png", "detail": "high"},
            },
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64," + "A" * 4096},
            },
            {
                "type": "input_audio",
                "input_audio": {"format": "wav", "data": "B" * 2048},
            },
        ],
    }
    text = render_content(message)
    lines = text.splitlines()
    assert lines[0] == "What is on this X-ray?"
    assert lines[1] == "[image: https://x.test/a.png, detail=high]"
    assert lines[2] == "[image: data:image/png;base64 (3 KB)]"
    assert lines[3] == "[audio: wav, 2 KB]"
    assert "refusal: no" in render_content({"role": "assistant", "refusal": "no"})
    assert render_content({"role": "assistant"}) == "(no content)"


def test_curate_unknown_model_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"messages":[]}\n')
    assert main(["curate", str(path), "--model", "no-such-model-xyz"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ftui: ")
    assert "no-such-model-xyz" in err
