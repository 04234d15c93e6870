"""The `publish:` block of a spec: one block per platform, templated per matrix row like every
other key. What the platforms reject (lengths, characters, a schedule in the past, a preset they
refuse) is checked by the compiler at plan time (compiler/publish_check.py), where it can point at
a line; the models here hold only the shapes and the defaults."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PRIVACY = ("private", "unlisted", "public")
TIKTOK_PRIVACY = ("SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "PUBLIC_TO_EVERYONE")
CREDITS_PLACEHOLDER = "{credits}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class _Common(_Strict):
    account: str = Field(
        "default",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Which stored login to publish with (`vidc publish login PLATFORM --account NAME`)",
    )
    title: str | None = Field(None, description="The video's title; default: the video's name")
    description: str = Field(
        "",
        description="The description; `{credits}` is replaced by the build's NAME.credits.txt when there is one "
        "(stock footage credits), else removed",
    )
    thumbnail: bool | None = Field(None, description="Attach the build's NAME.thumbnail.jpg; default: when built")
    captions: bool | None = Field(None, description="Attach the build's NAME.srt; default: when built")
    ai_generated: bool | None = Field(
        None,
        description="Label the video as AI-generated/synthetic media; default: true whenever the script, the "
        "pictures or the voice were generated (an LLM, a generative video engine, any synthetic voice)",
    )


class YouTubePublish(_Common):
    description: str = Field(
        "",
        description="At most 5,000 bytes; `{credits}` is replaced by the build's NAME.credits.txt when there "
        "is one (stock footage credits), else removed",
    )
    tags: list[str] = Field(default_factory=list, description="At most 500 characters in all")
    category: str = Field("22", pattern=r"^[0-9]{1,3}$", description="A YouTube category id (22: People & Blogs)")
    privacy: Literal["private", "unlisted", "public"] = Field(
        "private", description="private | unlisted | public (kept private unless `audited: true`)"
    )
    publish_at: str | None = Field(
        None, description="When a private upload goes public: ISO 8601 with a zone, e.g. 2027-01-05T09:00:00Z"
    )
    made_for_kids: bool = False
    playlist: str | None = Field(None, description="A playlist id to add the video to")
    audited: bool = Field(
        False,
        description="The API project passed YouTube's audit; until then every upload is locked private, so vidc "
        "uploads private whatever `privacy` says",
    )


class TikTokPublish(_Common):
    privacy: Literal["SELF_ONLY", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "PUBLIC_TO_EVERYONE"] = Field(
        "SELF_ONLY", description="A privacy level the creator's account offers (unaudited apps: SELF_ONLY only)"
    )
    disable_comment: bool = False
    disable_duet: bool = False
    disable_stitch: bool = False
    audited: bool = Field(False, description="The app passed TikTok's audit; until then posts are SELF_ONLY")


class Publish(_Strict):
    youtube: YouTubePublish | None = None
    tiktok: TikTokPublish | None = None


PLATFORMS = ("youtube", "tiktok")
Platform = Literal["youtube", "tiktok"]
