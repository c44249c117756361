"""A small, byte-exact parser for the `multipart/form-data` bodies of file uploads.

Why not the stdlib `email` parser or python-multipart: uploads must reach the
validator byte for byte (BOM, CRLF vs LF, invalid UTF-8 are what it checks), the
`email` package is a MIME *message* parser that decodes parts through
surrogate-escaped text and normalises nothing we can rely on, and the bodies the
SDK sends are simple (a few parts, one boundary, whole body in memory), so a
split on the boundary is exact and needs no new dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

__all__ = ["MultipartError", "Part", "boundary_of", "parse_multipart"]


class MultipartError(ValueError):
    """The body is not valid multipart/form-data."""


@dataclass(frozen=True)
class Part:
    """One form field.

    Attributes:
        name: The field name from Content-Disposition.
        filename: The file name, when the part is a file.
        content_type: The part's Content-Type, if given.
        data: The part's bytes, exactly as sent.
    """

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def _header_params(value: str) -> Message:
    message = Message()
    message["content-type"] = value
    return message


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type header.

    Args:
        content_type: The request's Content-Type.

    Returns:
        The boundary.

    Raises:
        MultipartError: The header is not multipart/form-data with a boundary.
    """
    message = _header_params(content_type)
    if message.get_content_type() != "multipart/form-data":
        raise MultipartError("the request must be multipart/form-data")
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise MultipartError("the multipart Content-Type has no boundary")
    return boundary


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """Split a multipart/form-data body into its parts.

    Args:
        body: The whole request body.
        content_type: The request's Content-Type (holds the boundary).

    Returns:
        The parts in order.

    Raises:
        MultipartError: The body is malformed.
    """
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise MultipartError("the multipart body has no parts")
    parts: list[Part] = []
    # chunks[0] is the preamble; the last chunk starts with "--" (the close delimiter).
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise MultipartError("malformed multipart delimiter")
        chunk = chunk[2:-2]
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            if chunk.endswith(b"\r\n"):  # headers followed by an empty body
                head, data = chunk[:-2], b""
            else:
                raise MultipartError("a multipart part has no header/body separator")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise MultipartError("a multipart part has no Content-Disposition")
        params = _header_params("form-data; " + disposition.partition(";")[2])
        name = params.get_param("name")
        filename = params.get_param("filename")
        if not isinstance(name, str):
            raise MultipartError("a multipart part has no name")
        parts.append(
            Part(
                name=name,
                filename=filename if isinstance(filename, str) else None,
                content_type=headers.get("content-type"),
                data=data,
            )
        )
    if not chunks[-1].startswith(b"--"):
        raise MultipartError("the multipart body is not terminated")
    return parts
