"""Receipt OCR: accuracy of amount, currency, merchant and date, and the time per receipt.

Renders receipts with a known font, rotated and noised a little (the same maker
the tests use), reads each through Tesseract and the receipt parser, prints a
table and writes bench/results/receipts.json (receipts-NAME.json with --name).

    .venv/bin/python -m bench.receipts --count 50
    .venv/bin/python -m bench.receipts --count 50 --name sans \
        --font /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf
    .venv/bin/python -m bench.receipts --count 50 --name hard --rotate 7 --noise 40 --blur 1
    .venv/bin/python -m bench.receipts --count 50 --name nlu --nlu   # the four fields by the NLU
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from connectors.documents.ocr import recognise, unavailable
from connectors.documents.expense import Extractor, extracted
from connectors.documents.receipts import read_receipt
from tests.integration.documents.files import FONT, receipt_image

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5000)
    parser.add_argument("--font", type=Path, default=FONT, help="TrueType font the receipts are drawn with")
    parser.add_argument("--rotate", type=float, default=3, help="largest rotation, degrees either way")
    parser.add_argument("--noise", type=float, default=18, help="standard deviation of the grey noise")
    parser.add_argument("--blur", type=float, default=0, help="Gaussian blur radius, pixels")
    parser.add_argument("--name", default="", help="suffix of the results file (receipts-NAME.json)")
    parser.add_argument("--nlu", action="store_true",
                        help="as the bot reads them: the shipped NLU (receipt.read), the parser for what it leaves out")
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        raise SystemExit(f"cannot run: {reason}")
    import pytesseract

    extractor = _nlu_extractor() if args.nlu else None
    hits = {"amount+currency": 0, "amount": 0, "currency": 0, "merchant": 0, "date": 0}
    by_nlu = {"amount": 0, "currency": 0, "merchant": 0, "date": 0}
    seconds = []
    for seed in range(args.seed, args.seed + args.count):
        receipt = receipt_image(seed, args.font, rotate=args.rotate, noise=args.noise, blur=args.blur)
        started = time.perf_counter()
        text = recognise("receipt", receipt.image, max_pixels=40_000_000)
        fields = read_receipt(text)
        if extractor is not None:
            fields, by = extracted(extractor, text, fields)
            for name, reader in by.items():
                by_nlu[name] += reader == "extractor"
        seconds.append(time.perf_counter() - started)
        amount = f"{fields.amount:.2f}" if fields.amount is not None else None
        hits["amount"] += amount == receipt.amount
        hits["currency"] += fields.currency == receipt.currency
        hits["amount+currency"] += amount == receipt.amount and fields.currency == receipt.currency
        hits["merchant"] += (fields.merchant or "").upper() == receipt.merchant
        hits["date"] += (fields.date.isoformat() if fields.date else None) == receipt.date
    result = {
        "receipts": args.count,
        "reader": "shipped NLU (receipt.read), parser for what it leaves out" if args.nlu else "parser",
        "font": args.font.name if args.font.exists() else "Pillow default",
        "distortion": {"rotate_deg": args.rotate, "noise_sd": args.noise, "blur_px": args.blur},
        "accuracy": {k: round(v / args.count, 3) for k, v in hits.items()},
        **({"read_by_nlu": {k: round(v / args.count, 3) for k, v in by_nlu.items()}} if args.nlu else {}),
        "seconds_per_receipt": {"mean": round(statistics.mean(seconds), 3),
                                "p50": round(statistics.median(seconds), 3),
                                "p95": round(sorted(seconds)[max(0, int(0.95 * len(seconds)) - 1)], 3),
                                "max": round(max(seconds), 3)},
        "tesseract": str(pytesseract.get_tesseract_version()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs shared, Python {platform.python_version()}",
        "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT", "unset"),
    }
    print(f"{'measure':<28}{'value':>10}")
    for key, value in result["accuracy"].items():
        print(f"{key + ' accuracy':<28}{value:>10.1%}")
    for key, value in result.get("read_by_nlu", {}).items():
        print(f"{key + ' read by the NLU':<28}{value:>10.1%}")
    for key, value in result["seconds_per_receipt"].items():
        print(f"{'s/receipt ' + key:<28}{value:>10.2f}")
    out = RESULTS / (f"receipts-{args.name}.json" if args.name else "receipts.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"saved {out}")


def _nlu_extractor() -> Extractor:
    """The extractor the bot lends the documents connector, over the shipped model (loaded here)."""
    from bot.receipt_reader import receipt_extractor
    from intents.pipeline import NLU

    nlu = NLU.load()
    return receipt_extractor(lambda: nlu)


if __name__ == "__main__":
    main()
