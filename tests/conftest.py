"""Shared fixtures: the validation files of the fixed split, and a few confidently classified ones."""
import functools, pytest
import catdog


@functools.lru_cache(maxsize=None)
def _valid_files():
    "Paths of the validation images (fixed seeded split of `catdog.data`)."
    from catdog.data import find_images, valid_mask
    files = find_images()
    return [f for f, v in zip(files, valid_mask([f.name for f in files])) if v]


@pytest.fixture(scope='session')
def valid_files():
    "All validation image paths."
    return _valid_files()


@pytest.fixture(scope='session')
def sure_images():
    "One cat and one dog validation image that the default model classifies correctly with p > 0.9 (label smoothing caps p near 0.95)."
    out = {}
    files = _valid_files()
    for f in [f for f in files if f.name.startswith('cat')][:100] + [f for f in files if f.name.startswith('dog')][:100]:
        truth = 'cat' if f.name.startswith('cat') else 'dog'
        label, p = catdog.predict(f)
        if label == truth and p > 0.9 and truth not in out: out[truth] = f
        if len(out) == 2: return out
    pytest.fail('no confidently classified cat and dog among the first 100 validation cats and dogs')
