"""The request tests' shared scene: an agency, owners in and out of an area, a clip."""

from tests.requests.test_flow import scene

__all__ = ["scene"]
