import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread: on a busy 2-core machine torch's spinning OpenMP threads slow tiny models 5-10x."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
