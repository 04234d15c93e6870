"""The spec keys of generated footage from a video server (`video.engine: openai-videos`) and of a
distilled Wan (`video.lora`): a mixin of `Video` kept in its own module.

A server speaks the OpenAI Videos API shape (`POST /v1/videos` -> a job id, poll
`GET /v1/videos/{id}`, download `GET /v1/videos/{id}/content`, cancel `DELETE /v1/videos/{id}`).
The key's variable is named here, never its value.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

ServerScalar = str | int | float | bool


class VideoServerFields(BaseModel):
    base_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s]+$",
        description="openai-videos: the server's API root, e.g. http://127.0.0.1:30000/v1 (SGLang, vLLM-Omni, "
        "a LiteLLM or OpenRouter gateway)",
    )
    api_key_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="openai-videos: the environment variable holding the server's key (its name; none: no key)",
    )
    seconds: int | None = Field(
        None,
        ge=1,
        le=60,
        description="openai-videos: seconds of footage per job (default 4); a scene takes as many jobs as cover it",
    )
    size: str | None = Field(
        None,
        pattern=r"^[1-9][0-9]{1,4}x[1-9][0-9]{1,4}$",
        description="openai-videos: WxH asked of the server; default 1280x720 (720x1280 for a vertical preset)",
    )
    price_per_second: float | None = Field(
        None,
        ge=0,
        le=1000,
        description="openai-videos: US dollars per second of output, for a model the price "
        "table does not list (a self-hosted server's GPU time, a gateway's rate)",
    )
    server_params: dict[str, ServerScalar] = Field(
        default_factory=dict,
        description="openai-videos: the server's own request fields, sent as given and pinned in the plan "
        "(num_frames, num_inference_steps, guidance_scale, fps, negative_prompt ...)",
    )
    input_reference: bool = Field(
        False,
        description="openai-videos: send each job after a scene's first the previous job's last frame as "
        "`input_reference` (image-to-video continuity)",
    )
    timeout_s: float = Field(
        1800, gt=0, le=86400, description="openai-videos: a job not finished after this is cancelled and tried again"
    )
    max_tries: int = Field(3, ge=1, le=10, description="openai-videos: jobs created per clip at most (each is paid)")
    poll_seconds: tuple[float, float] = Field(
        (1.0, 15.0),
        description="openai-videos: [first, longest] wait between polls of a job; each wait is 1.5x the last",
    )
    lora: str | None = Field(
        None,
        description="wan: a LoRA (a .safetensors file relative to the spec, a folder, or a hub id already in "
        "the cache) loaded into the transformer(s), e.g. a LightX2V 4-step distillation; with it `steps` "
        "defaults to 4 and `cfg` to 1.0 (guidance off), and the scheduler's shift is 5.0",
    )
    lora_scale: float = Field(1.0, gt=0, le=4, description="wan: the LoRA's weight")

    @model_validator(mode="after")
    def _distilled_defaults(self) -> VideoServerFields:
        """A distilled (LoRA) Wan samples in few steps with guidance off, unless the spec says otherwise."""
        if self.lora is not None:
            for name, value in (("steps", DISTILLED_STEPS), ("cfg", 1.0)):
                if name not in self.model_fields_set and hasattr(self, name):
                    object.__setattr__(self, name, value)
        return self


DISTILLED_STEPS = 4
DISTILLED_SHIFT = 5.0  # the flow shift LightX2V's 4-step Wan2.1/2.2 checkpoints sample with
