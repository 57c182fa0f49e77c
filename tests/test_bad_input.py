"""Bad input raises a clear `InvalidImageError`; awkward but valid images are predicted correctly."""
import builtins, os, struct, zlib
import numpy as np, pytest
from PIL import Image
import catdog


def _huge_png(path, w=30000, h=30000):
    "A tiny PNG whose header claims w×h pixels (a decompression bomb)."
    def chunk(kind, data):
        "One PNG chunk: length, type, data, CRC."
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    ihdr = struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\0' * 100)) + chunk(b'IEND', b''))


def _bad(kind, tmp_path, sure_images):
    "Create one kind of bad input and return its path."
    p = tmp_path/f'{kind}.jpg'
    if kind == 'empty': p.write_bytes(b'')
    elif kind == 'text': p.write_text('this is not a JPEG\n' * 10)
    elif kind == 'truncated':
        data = sure_images['cat'].read_bytes(); p.write_bytes(data[:len(data) // 2])
    elif kind == 'directory': p = tmp_path/'folder.jpg'; p.mkdir()
    elif kind == 'bomb': p = tmp_path/'bomb.png'; _huge_png(p)
    return p


def test_max_pixels_is_reached(tmp_path):
    "A header claiming 10000×8000 pixels (under Pillow's own limit) is refused by catdog's `MAX_PIXELS` check, before decoding."
    p = tmp_path/'large.png'; _huge_png(p, 10000, 8000)
    assert 10000 * 8000 > catdog.image.MAX_PIXELS and 10000 * 8000 < Image.MAX_IMAGE_PIXELS
    with pytest.raises(catdog.InvalidImageError, match=f"large.png: 10000×8000 pixels is over the {catdog.image.MAX_PIXELS:,} limit"):
        catdog.predict(p)


def test_permission_denied(tmp_path, sure_images, monkeypatch):
    "A file that cannot be read raises InvalidImageError naming it and saying why (as root, where chmod cannot deny, the denial is simulated)."
    p = tmp_path/'locked.jpg'; p.write_bytes(sure_images['cat'].read_bytes()); p.chmod(0)
    if os.access(p, os.R_OK):   # root reads anything: make `open` refuse this one file
        real = builtins.open
        def deny(file, *a, **k):
            "`open`, except that `p` raises PermissionError."
            if str(file) == str(p): raise PermissionError(13, 'Permission denied', str(p))
            return real(file, *a, **k)
        monkeypatch.setattr(builtins, 'open', deny)
    try:
        with pytest.raises(catdog.InvalidImageError, match='locked.jpg: permission denied'):
            catdog.predict(p)
    finally: p.chmod(0o644)


@pytest.mark.parametrize('kind', ['empty', 'text', 'truncated', 'directory', 'bomb'])
def test_bad_file_raises_invalid_image(kind, tmp_path, sure_images):
    "Each bad file raises InvalidImageError (a ValueError) whose message names the file."
    p = _bad(kind, tmp_path, sure_images)
    with pytest.raises(catdog.InvalidImageError) as e:
        catdog.predict(p)
    assert p.name in str(e.value) and isinstance(e.value, ValueError)
    print(f"{kind}: {e.value}")


def test_missing_file_is_file_not_found(tmp_path):
    "A path that does not exist raises FileNotFoundError naming it."
    with pytest.raises(FileNotFoundError, match='nothere.jpg'):
        catdog.predict(tmp_path/'nothere.jpg')


@pytest.mark.parametrize('arr', [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 2), np.uint8), np.zeros(5, np.uint8),
                                 np.zeros((0, 4, 3), np.uint8), np.zeros((4, 0, 3), np.uint8), np.zeros((0, 4), np.uint8),
                                 np.zeros((4, 0), np.uint8), np.zeros((0, 0, 4), np.uint8)], ids=lambda a: f"{a.dtype}{a.shape}")
def test_bad_arrays(arr):
    "Arrays that are not H×W×3 uint8 images, empty ones included (2-D or 3-D), raise InvalidImageError naming the shape or dtype."
    with pytest.raises(catdog.InvalidImageError, match='shape|dtype'):
        catdog.predict(arr)


def test_not_an_image_object():
    "Objects that are neither path, PIL image nor array raise InvalidImageError."
    with pytest.raises(catdog.InvalidImageError, match='int'):
        catdog.predict(42)


def _variant(kind, img, path):
    "Save `img` as one awkward-but-valid kind of file at `path` and return the path."
    if kind == 'grayscale': img.convert('L').save(path := path.with_suffix('.png'))
    elif kind == 'palette': img.quantize(256).save(path := path.with_suffix('.png'))
    elif kind == 'rgba':   # real transparency: a transparent frame around the animal and a half-transparent band
        alpha = np.full(img.size[::-1], 255, np.uint8); alpha[:, :8] = alpha[:, -8:] = 0; alpha[:12] = 128
        a = img.convert('RGBA'); a.putalpha(Image.fromarray(alpha)); a.save(path := path.with_suffix('.png'))
    elif kind == 'cmyk': img.convert('CMYK').save(path := path.with_suffix('.jpg'), quality=95)
    elif kind == '16bit':
        g = (np.asarray(img.convert('L')).astype(np.uint16) * 257)
        Image.fromarray(g).save(path := path.with_suffix('.png'))
        assert Image.open(path).mode.startswith('I')
    elif kind == 'exif':
        exif = Image.Exif(); exif[0x0112] = 6   # orientation 6: the viewer rotates 90° clockwise
        img.rotate(90, expand=True).save(path := path.with_suffix('.jpg'), exif=exif, quality=95)
    elif kind == 'gif':
        other = Image.new('RGB', img.size, (0, 0, 0))
        img.save(path := path.with_suffix('.gif'), save_all=True, append_images=[other], duration=100, loop=0)
    elif kind == 'huge': img.resize((6000, 4000), Image.BICUBIC).save(path := path.with_suffix('.jpg'), quality=90)
    elif kind in ('tiff', 'webp'):   # two frames (or pages): the animal, then black; lossless, so frame 0 is the photo exactly
        other = Image.new('RGB', img.size, (0, 0, 0))
        img.save(path := path.with_suffix(f'.{kind}'), save_all=True, append_images=[other], **({'lossless': True} if kind == 'webp' else {}))
        assert Image.open(path).n_frames == 2
    return path


@pytest.mark.parametrize('kind', ['grayscale', 'palette', 'rgba', 'cmyk', '16bit', 'exif', 'gif', 'huge', 'tiff', 'webp'])
def test_awkward_images_predicted_correctly(kind, tmp_path, sure_images):
    "Grayscale, palette, transparent, CMYK, 16-bit, EXIF-rotated, animated GIF, 6000×4000, multi-page TIFF and animated WebP images get the right label."
    for truth, f in sure_images.items():
        path = _variant(kind, Image.open(f).convert('RGB'), tmp_path/f'{truth}-{kind}')
        label, p = catdog.predict(path)
        assert label == truth and 0.5 <= p <= 1, (kind, truth, label, p)


def test_exif_rotation_is_applied(tmp_path, sure_images):
    "An EXIF-rotated JPEG opens upright (close to the original pixels)."
    img = Image.open(sure_images['cat']).convert('RGB')
    a = catdog.open_image(_variant('exif', img, tmp_path/'r'))
    assert a.size == img.size
    assert np.abs(np.asarray(a, float) - np.asarray(img, float)).mean() < 6


def test_tiny_image():
    "A 1×1 image is a valid (if meaningless) input."
    label, p = catdog.predict(np.full((1, 1, 3), 128, np.uint8))
    assert label in ('cat', 'dog') and 0.5 <= p <= 1


def test_transparency_on_white(tmp_path):
    "Fully transparent pixels are composited on white, not black."
    Image.new('RGBA', (10, 10), (0, 0, 0, 0)).save(tmp_path/'t.png')
    assert catdog.open_image(tmp_path/'t.png').getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize('kind', ['tiff', 'webp'])
def test_first_frame_exactly(kind, tmp_path, sure_images):
    "A multi-frame TIFF or WebP opens as its first frame, pixel for pixel, and predicts as that frame does."
    img = Image.open(sure_images['dog']).convert('RGB')
    path = _variant(kind, img, tmp_path/'two')
    assert np.array_equal(np.asarray(catdog.open_image(path)), np.asarray(img))
    assert catdog.predict(path) == catdog.predict(np.asarray(img))


def test_transparent_png_with_real_alpha(tmp_path, sure_images):
    "Partly transparent pixels are composited on white by their alpha (within one 8-bit level of the formula), whatever the input form."
    rgb = np.asarray(Image.open(sure_images['cat']).convert('RGB'))
    alpha = np.tile(np.linspace(0, 255, rgb.shape[1]).round().astype(np.uint8), (rgb.shape[0], 1))   # 0 on the left to 255 on the right
    Image.fromarray(np.dstack([rgb, alpha])).save(tmp_path/'fade.png')
    want = (rgb * (alpha[..., None] / 255) + 255 * (1 - alpha[..., None] / 255)).round()
    got = np.asarray(catdog.open_image(tmp_path/'fade.png'), dtype=float)
    assert np.abs(got - want).max() <= 1 and got[:, 0].min() == 255
    label, p = catdog.predict(tmp_path/'fade.png')
    assert catdog.predict(np.dstack([rgb, alpha])) == (label, p) == catdog.predict(Image.open(tmp_path/'fade.png'))
