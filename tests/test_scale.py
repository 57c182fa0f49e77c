"""`catdog train` started as two processes (torchrun, gloo on the CPU): data-parallel training through fastai's distributed callback."""
import json, os, re, subprocess, sys
import pytest, torch
from cli_helpers import ROOT


def test_two_cpu_processes_train_one_model(tmp_path):
    "Two processes train on disjoint halves of the images, end with identical weights, and process 0 ships exactly those weights and the accuracy it reports."
    pytest.importorskip('accelerate')
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '-m', 'catdog.cli', 'train',
           '--model', 'two', '--epochs', '1', '--n-train', '256', '--width', '0.25', '--bs', '32', '--threads', '1', '--device', 'cpu',
           '--out', tmp_path/'models', '--runs', tmp_path/'runs']
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONPATH': str(ROOT)}
    r = subprocess.run(list(map(str, cmd)), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    said = dict(re.findall(r'two: process (\d) of 2 trained on \d+ images, weights ([0-9a-f]{16})', r.stdout))
    assert set(said) == {'0', '1'} and said['0'] == said['1'], r.stdout   # one model, not two
    shards = [set(json.loads((tmp_path/'runs'/'two'/f'shard{k}.json').read_text())) for k in (0, 1)]
    assert len(shards[0]) == len(shards[1]) == 128 and not shards[0] & shards[1]   # each trained on its own half
    acc = float(re.search(r'two: validation accuracy \(flip TTA\) ([\d.]+)', r.stdout).group(1))
    card = json.loads((tmp_path/'models'/'two.json').read_text())
    assert card['valid_accuracy'] == pytest.approx(acc, abs=1e-4) and card['train_images'] == 256
    sd = torch.load(tmp_path/'models'/'two.pt', weights_only=True)
    import hashlib
    digest = hashlib.sha256(b''.join(v.float().contiguous().numpy().tobytes() for v in sd.values())).hexdigest()
    assert digest.startswith(said['0'])   # the shipped file holds the weights the processes ended with
    assert r.stdout.count('shipped:') == 1
