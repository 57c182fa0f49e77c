"""Re-encode a notebook's large saved PNG outputs as JPEG at their displayed size (100 dpi), in place.

Photos and photo grids compress ten times better as JPEG; the notebook runner's 'retina' figures are twice the displayed size.
Usage: python tools/shrink_outputs.py nbs/08_app.ipynb [--min-kb KB]
"""
import base64, io, json, os, sys
from PIL import Image


def shrink(path: str, min_kb: int = 150) -> int:
    "Re-encode every image/png output over `min_kb` KB as an image/jpeg at its displayed size; return bytes saved."
    nb, saved = json.load(open(path)), 0
    for c in nb['cells']:
        for o in c.get('outputs', []):
            data = o.get('data', {})
            png = data.get('image/png')
            if not png or len(png) < min_kb * 1024: continue
            img = Image.open(io.BytesIO(base64.b64decode(png))).convert('RGB')
            meta = o.get('metadata', {}).get('image/png', {})
            w, h = meta.get('width', img.width // 2), meta.get('height', img.height // 2)
            buf = io.BytesIO(); img.resize((w, h), Image.LANCZOS).save(buf, 'JPEG', quality=85)
            jpg = base64.b64encode(buf.getvalue()).decode()
            saved += len(png) - len(jpg)
            del data['image/png']; data['image/jpeg'] = jpg
            o['metadata'] = {k: v for k, v in o.get('metadata', {}).items() if k != 'image/png'}
    tmp = f"{path}.tmp"
    with open(tmp, 'w') as f: json.dump(nb, f, indent=1, ensure_ascii=False); f.write('\n')
    os.replace(tmp, path)
    return saved


if __name__ == '__main__':
    args = [a for a in sys.argv[1:] if a.endswith('.ipynb')]
    kb = int(sys.argv[sys.argv.index('--min-kb') + 1]) if '--min-kb' in sys.argv else 150
    for a in args: print(f"{a}: {shrink(a, kb) / 2**20:.1f} MB saved")
