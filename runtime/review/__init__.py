"""`vidc review`: a static review site for a build (see site.py)."""
