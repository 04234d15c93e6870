"""Fake vendor servers for tests: they speak the vendors' HTTP protocols on 127.0.0.1 so that the
real SDKs can be tested end to end without the network."""
