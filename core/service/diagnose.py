"""Plain-words explanations of connection problems (`ftui config test`, the UI)."""

from __future__ import annotations

from ftui.core.errors import FtuiError
from ftui.core.service.errors import (
    ServiceAuthError,
    ServiceConnectionError,
    ServiceNotFoundError,
    ServiceRateLimitError,
    ServiceRequestError,
    ServiceUnavailableError,
)
from ftui.core.service.profiles import AuthMethod, Profile, ProfileKind
from ftui.core.service.secrets import scrub

__all__ = ["explain_connection_problem"]


def explain_connection_problem(profile: Profile, error: FtuiError) -> str:
    """Say in one line what is wrong with a profile, given the error of a cheap call.

    Args:
        profile: The profile that was tried.
        error: The translated error.

    Returns:
        One sentence naming the likely cause (reachability, auth, API version).
    """
    url = profile.url
    if isinstance(error, ServiceConnectionError):
        return scrub(
            f"cannot reach {url}: {error}. Check the endpoint URL, that the service "
            "is up, and your network or proxy."
        )
    if isinstance(error, ServiceAuthError):
        if error.status_code == 403:
            return scrub(
                f"reached {url}, but this identity may not use fine-tuning (HTTP 403): "
                "ask for a role such as Cognitive Services OpenAI Contributor or "
                f"Azure AI User. ({error})"
            )
        what = (
            "the Microsoft Entra ID token"
            if profile.auth is AuthMethod.ENTRA
            else f"the API key ({profile.key_source()})"
        )
        return scrub(
            f"reached {url}, but authentication failed (HTTP 401): {what} was refused."
        )
    if isinstance(error, ServiceNotFoundError):
        if profile.kind is ProfileKind.AZURE:
            return scrub(
                f"reached {url}, but it answered 404: check that the endpoint is the "
                "resource URL (https://RES.openai.azure.com, without /openai) and "
                f"that api-version {profile.effective_api_version} exists. ({error})"
            )
        return scrub(
            f"reached {url}, but it answered 404: check the base URL"
            + (
                " (it must end with /openai/v1/)"
                if profile.kind is ProfileKind.AZURE_V1
                else ""
            )
            + f". ({error})"
        )
    if isinstance(error, ServiceRequestError):
        text = str(error).lower()
        if "api-version" in text or "api version" in text:
            return scrub(
                f"reached {url}, but the API version "
                f"{profile.effective_api_version or '(v1)'} is not accepted: {error}"
            )
        return scrub(f"reached {url}, but the request was refused: {error}")
    if isinstance(error, ServiceRateLimitError | ServiceUnavailableError):
        return scrub(
            f"reached {url} and the credentials look fine, but it is busy or failing "
            f"right now; try again later. ({error})"
        )
    return scrub(str(error))
