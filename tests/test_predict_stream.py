"""`catdog predict FOLDER --out results.jsonl` streams, survives a kill and resumes: every image ends up in the file exactly once."""
import json, os, signal, subprocess, sys, time
import numpy as np
from PIL import Image
from cli_helpers import ROOT, catdog_cli


def _folder(dest, n: int = 3000):
    "`n` tiny (32×32) random PNGs in two subfolders, plus one unreadable file."
    rng = np.random.RandomState(0)
    for i in range(n):
        sub = dest/('a' if i % 2 else 'b'); sub.mkdir(exist_ok=True)
        Image.fromarray(rng.randint(0, 256, (32, 32, 3), dtype=np.uint8)).save(sub/f'{i:05d}.png')
    (dest/'a'/'broken.png').write_text('not an image')
    return sorted(str(p) for p in dest.rglob('*.png'))


def _lines(out):
    "The JSON objects of the complete lines of `out`."
    return [json.loads(l) for l in out.read_text().splitlines(keepends=True) if l.endswith('\n')]


def test_killed_predict_resumes_each_image_once(tmp_path):
    "Kill `catdog predict FOLDER --out` after some batches: every line written is whole; a rerun adds exactly the missing images."
    folder = tmp_path/'photos'; folder.mkdir()
    files = _folder(folder)
    out = tmp_path/'results.jsonl'
    cmd = [sys.executable, '-m', 'catdog.cli', 'predict', folder, '--out', out, '--batch-size', '50', '--model', 'student', '--quiet']
    p = subprocess.Popen(list(map(str, cmd)), cwd=ROOT, env={**os.environ, 'OMP_NUM_THREADS': '1'},
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while p.poll() is None and (not out.exists() or out.read_text().count('\n') < 300): time.sleep(0.2)
    p.send_signal(signal.SIGKILL); p.wait()
    first = _lines(out)
    assert 300 <= len(first) < len(files), 'the run was not killed midway'
    assert len({r['file'] for r in first}) == len(first)
    r = catdog_cli('predict', folder, '--out', out, '--batch-size', '64', '--model', 'student', '--workers', '2', '--quiet')
    assert r.returncode == 1 and 'broken.png' in r.stderr   # the broken file is reported, and it is a line too
    rows = _lines(out)
    assert out.read_text().endswith('\n') and sorted(r['file'] for r in rows) == files
    assert all(('label' in r and 0.5 <= r['probability'] <= 1) or ('error' in r and r['file'].endswith('broken.png')) for r in rows)
    r = catdog_cli('predict', folder, '--out', out, '--model', 'student', '--quiet')
    assert r.returncode == 0 and f'0 images added, {len(files)} were there already' in r.stdout and len(_lines(out)) == len(files)


def test_cut_last_line_is_redone(tmp_path):
    "A last line cut short (a kill in the middle of a write) is dropped and its image classified again; a foreign line is refused."
    folder = tmp_path/'photos'; folder.mkdir()
    files = _folder(folder, 6)
    out = tmp_path/'results.jsonl'
    assert catdog_cli('predict', folder, '--out', out, '--quiet').returncode == 1
    whole = out.read_text()
    out.write_text(whole[:-15])
    catdog_cli('predict', folder, '--out', out, '--quiet')
    assert sorted(r['file'] for r in _lines(out)) == files and out.read_text().count('\n') == len(files)
    out.write_text('hello\n')
    r = catdog_cli('predict', folder, '--out', out)
    assert r.returncode == 1 and 'line 1' in r.stderr and 'Traceback' not in r.stderr
