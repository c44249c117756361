"""Azure OpenAI and OpenAI: profiles, files, jobs, events, metrics, follow, chat.

Everything here is async, returns ftui's own models and raises `ServiceError`
subclasses whose messages never contain an API key. Typical use::

    from ftui.core.service import FineTuningService, follow_job, resolve_profile

    service = FineTuningService.from_profile(resolve_profile(None))
    async for update in follow_job(service, "ftjob-123", interval=10):
        ...
"""

from __future__ import annotations

from ftui.core.service.backend import FineTuningBackend
from ftui.core.service.chat import stream_chat
from ftui.core.service.client import (
    IDEMPOTENCY_HEADER,
    SUBMIT_TAG,
    EventReader,
    FileProcessingError,
    FineTuningService,
    JobDetail,
    JobRequest,
    UploadRefusedError,
    check_dataset_for_upload,
)
from ftui.core.service.diagnose import explain_connection_problem
from ftui.core.service.errors import (
    ServiceAuthError,
    ServiceConnectionError,
    ServiceNotFoundError,
    ServiceRateLimitError,
    ServiceRequestError,
    ServiceUnavailableError,
)
from ftui.core.service.follow import follow_job
from ftui.core.service.metrics import build_metrics
from ftui.core.service.models import (
    ChatChunk,
    ChatResult,
    ChatUsage,
    Checkpoint,
    FileInfo,
    FileStatus,
    FollowUpdate,
    Hyperparameters,
    JobError,
    JobEvent,
    JobInfo,
    JobStatus,
    MetricPoint,
    MetricsSeries,
)
from ftui.core.service.profiles import (
    AuthMethod,
    Profile,
    ProfileKind,
    build_client,
    list_profiles,
    profile_from_env,
    resolve_profile,
    save_profile,
)
from ftui.core.service.results import parse_results_csv
from ftui.core.service.secrets import mask_secret, scrub

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SUBMIT_TAG",
    "AuthMethod",
    "ChatChunk",
    "ChatResult",
    "ChatUsage",
    "Checkpoint",
    "EventReader",
    "FileInfo",
    "FileProcessingError",
    "FileStatus",
    "FineTuningBackend",
    "FineTuningService",
    "FollowUpdate",
    "Hyperparameters",
    "JobDetail",
    "JobError",
    "JobEvent",
    "JobInfo",
    "JobRequest",
    "JobStatus",
    "MetricPoint",
    "MetricsSeries",
    "Profile",
    "ProfileKind",
    "ServiceAuthError",
    "ServiceConnectionError",
    "ServiceNotFoundError",
    "ServiceRateLimitError",
    "ServiceRequestError",
    "ServiceUnavailableError",
    "UploadRefusedError",
    "build_client",
    "build_metrics",
    "check_dataset_for_upload",
    "explain_connection_problem",
    "follow_job",
    "list_profiles",
    "mask_secret",
    "parse_results_csv",
    "profile_from_env",
    "resolve_profile",
    "save_profile",
    "scrub",
    "stream_chat",
]
