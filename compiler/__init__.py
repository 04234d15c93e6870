"""The compiler: spec text in, Plan + Diagnostics out. Pure."""

__version__ = "0.1.0"
