"""`catdog.explain` and friends (chapter 05_interpret): the map contract, bad input, the pointing game, overlay, CLI."""
import subprocess, sys
from pathlib import Path
import numpy as np, pytest
from PIL import Image
import catdog
from catdog.interpret import METHODS, side_by_side, pointing, half_masks, save_overlay, explain_main

ROOT = Path(__file__).resolve().parents[1]
N_COMPOSITES = 100     # side-by-side composites of the pointing-game test (200 Grad-CAM maps, ~5 s)
MIN_POINTING = 0.87    # share of those maps with mass AND peak on the right half; see test_pointing_game


@pytest.fixture(scope='module')
def composite(sure_images):
    "A 200×400 side-by-side composite: the confident cat on the left, the confident dog on the right."
    return side_by_side(sure_images['cat'], sure_images['dog'])


@pytest.mark.parametrize('method', list(METHODS))
def test_explain_contract(method, composite):
    "For every method the map has the input's H×W, is float32, ≥ 0 with max 1, and is the same twice."
    h = catdog.explain(composite, 'cat', method)
    assert h.shape == composite.shape[:2] and h.dtype == np.float32
    assert h.min() >= 0 and h.max() == 1
    np.testing.assert_array_equal(h, catdog.explain(composite, 'cat', method))


def test_explain_forms_and_sizes(sure_images):
    "A path, a PIL image and an array give the same map; odd sizes keep their own H×W; no target = predicted label."
    f = sure_images['dog']
    h = catdog.explain(f)
    np.testing.assert_array_equal(h, catdog.explain(Image.open(f), 'dog'))
    np.testing.assert_allclose(h, catdog.explain(np.asarray(Image.open(f)), target=1), atol=1e-6)
    odd = np.asarray(Image.open(f).resize((91, 37)))
    assert catdog.explain(odd, method='ig').shape == (37, 91)


def test_explain_bad_input(tmp_path, composite):
    "A file that is not an image raises InvalidImageError, a missing one FileNotFoundError; bad options ValueError."
    bad = tmp_path/'broken.jpg'; bad.write_bytes(b'\xff\xd8 not really a jpeg')
    with pytest.raises(catdog.InvalidImageError, match='broken.jpg'): catdog.explain(bad)
    with pytest.raises(catdog.InvalidImageError): catdog.explain(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(FileNotFoundError): catdog.explain(tmp_path/'missing.jpg')
    with pytest.raises(ValueError, match='method'): catdog.explain(composite, method='lime')
    with pytest.raises(ValueError, match='target'): catdog.explain(composite, target='bird')


def test_pointing_game(valid_files):
    """On a fixed set of side-by-side composites of validation images, Grad-CAM puts mass and peak on the right half.

    Measured with the shipped CNN (valid accuracy 97.35%): 93.0% of the chapter's 600 maps (300 composites) and 91.0%
    of the 200 maps of this fixed subset. With 200 maps the standard error of a rate near 91% is 2.0 points, so the floor,
    87%, sits two standard errors below what was measured: a retrained model of the same quality
    passes, while maps that miss the animal one time in six (or a broken `explain`) fail."""
    cats = [f for f in valid_files if f.name.startswith('cat')]
    dogs = [f for f in valid_files if f.name.startswith('dog')]
    rng = np.random.RandomState(2024)
    hits = []
    for c, d in zip(rng.permutation(cats)[:N_COMPOSITES], rng.permutation(dogs)[:N_COMPOSITES]):
        cat_left = bool(rng.rand() < 0.5)
        im = side_by_side(c, d) if cat_left else side_by_side(d, c)
        for t in catdog.CLASSES:
            r = pointing(catdog.explain(im, t), *half_masks(im.shape[:2], (t == 'cat') == cat_left))
            hits.append(r['mass_hit'] and r['peak_hit'])
    assert np.mean(hits) >= MIN_POINTING, f"Grad-CAM pointing game: {np.mean(hits):.1%} of {len(hits)} maps"


def test_save_overlay_writes_png(tmp_path, composite):
    "save_overlay writes a readable PNG, also for a map without any evidence."
    for name, h in [('o.png', catdog.explain(composite, 'dog')), ('zero.png', np.zeros(composite.shape[:2], np.float32))]:
        p = catdog.save_overlay(composite, h, tmp_path/name, title='test')
        with Image.open(p) as im: assert im.format == 'PNG' and im.width > 200


def test_cli(tmp_path, sure_images):
    "`python -m catdog.interpret IN OUT --target --method` writes the overlay; a bad input exits 1 with a message."
    out = tmp_path/'cat.png'
    r = subprocess.run([sys.executable, '-m', 'catdog.interpret', str(sure_images['cat']), str(out),
                        '--target', 'cat', '--method', 'gradcam'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert 'evidence for' in r.stdout and Image.open(out).format == 'PNG'
    bad = tmp_path/'bad.jpg'; bad.write_text('no')
    assert explain_main([str(bad), str(tmp_path/'x.png')]) == 1 and not (tmp_path/'x.png').exists()


def test_interpret_does_not_import_fastai():
    "catdog.explain is reachable from `import catdog` lazily, and importing it never loads fastai."
    code = "import sys, catdog; catdog.explain; assert 'fastai' not in sys.modules, 'fastai imported'"
    subprocess.run([sys.executable, '-c', code], cwd=ROOT, check=True, capture_output=True)
