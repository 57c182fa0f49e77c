"""The shipped models' accuracy on the fixed validation split, measured through the public API."""
from pathlib import Path
import pytest
import catdog

ROOT = Path(__file__).resolve().parents[1]
# What the shipped files must keep on the fixed validation split: 0.97 for the CNN, 0.95 for 'robust' and 'student'.
BARS = {'cnn': 0.97, 'robust': 0.95, 'student': 0.95}
OXFORD_DEV = ROOT.parent/'shared'/'data'/'oxford-dev'   # 1,000 Oxford-IIIT Pet photos, never trained on


def test_bars_cover_every_shipped_model():
    "Every model `catdog` ships has a bar here (so none can drop out of the accuracy test), and its files are in models/."
    assert set(BARS) == set(catdog.MODEL_NAMES)
    for n in BARS: assert (ROOT/'models'/f'{n}.pt').exists() and (ROOT/'models'/f'{n}.json').exists(), n


@pytest.mark.parametrize('name', list(BARS))
def test_validation_accuracy(name, valid_files):
    "Accuracy of `predict_many` on the 2,000 validation images meets the bar and matches the model card."
    res = catdog.predict_many(valid_files, model=name, batch_size=200)
    assert not res.errors
    acc = sum(r[0] == f.name.split('.')[0] for r, f in zip(res, valid_files)) / len(valid_files)
    print(f"{name}: validation accuracy {acc:.4f} on {len(valid_files)} images")
    assert len(valid_files) == 2000
    assert acc >= BARS[name]
    assert acc == pytest.approx(catdog.model_card(name)['valid_accuracy'], abs=0.003)


def test_cnn_on_photos_from_elsewhere():
    "On the 1,000 Oxford-dev photos the CNN is right on at least 94% and on at least 92% of the cats, as its card records."
    from catdog.generalise import evaluate_folder, accuracy_by
    if not OXFORD_DEV.is_dir(): pytest.fail(f"{OXFORD_DEV}: the Oxford-dev photos are missing (../shared/data beside the repository)")
    df = evaluate_folder(OXFORD_DEV, models=('cnn',))
    assert len(df) == 1000 and df.cnn.notna().all() and set(df.label) == {'cat', 'dog'}
    acc, by = accuracy_by(df, 'cnn'), accuracy_by(df, 'cnn', 'label')
    print(f"cnn on Oxford-dev: {acc:.4f} (cats {by['cat']:.4f}, dogs {by['dog']:.4f})")
    assert acc >= 0.94 and by['cat'] >= 0.92
    card = catdog.model_card('cnn')
    assert acc == pytest.approx(card['oxford_dev_accuracy'], abs=0.002) and by['cat'] == pytest.approx(card['oxford_dev_cat'], abs=0.002)
