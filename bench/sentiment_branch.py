"""A tuned sixth layer beside the theme encoder's: how far does it read the clothing reviews, alone and mixed with
the head? A research run, not shipped (bench/RESULTS.md, "A fine-tuned last layer against the frozen sentence
vector, again").

    HF_HUB_OFFLINE=1 .venv/bin/python bench/sentiment_branch.py [--reviews 15000] [--epochs 5] [--lr 5e-5] [--append]

The clothing reviews outside the held-out and validation fifths (the first ``--reviews`` of them, 3 stars left out)
are read whole (at most ``TOKENS`` word pieces) by all-MiniLM-L6-v2's first five layers, once; a copy of its sixth
layer, mean pooling and a linear layer over two classes (1-2 against 4-5 stars) are trained on those states
(AdamW, batch 32, the classes balanced), the first five layers left as they are: a branch that could share the theme
stage's forward pass. Beside it, in one process, on the held-out reviews of 1-2 and 4-5 stars (the benchmark's
binary set): a logistic regression on the frozen sentence vector of the same reviews, the shipped head as the
product reads a comment, and after each epoch the mix ``(1 - w) * head + w * (P(positive) - P(negative))`` at each
``--mix`` weight. Binary macro-F1 with the product's cut (negative at <= -0.05), as bench/sentiment_quality.py reads
it. The held-out reviews are read, never fitted on; a weight picked by its figure here would overstate the mix.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "scripts", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sentiment_quality as quality  # noqa: E402
import train_sentiment as training  # noqa: E402

TOKENS = 128  # word pieces a review is read to (the reviews' longest run past it)
BATCH = 32


def reviews(limit: int) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """(training texts, 1 for 4-5 stars), (held-out texts, the same): 3-star reviews left out."""
    rows = training.read_clothing(training.CLOTHING)
    train = [(t, s) for t, s in rows if not training.held_out(t) and not training.validation(t) and s != 3][:limit]
    test = [(t, s) for t, s in rows if training.held_out(t) and s != 3]
    return ([t for t, _ in train], np.array([int(s >= 4) for _, s in train]),
            [t for t, _ in test], np.array([int(s >= 4) for _, s in test]))


def states(texts: list[str], bert: Any, tokenizer: Any) -> tuple[Any, Any, np.ndarray]:
    """Each text's fifth-layer token states (float16), attention masks, and sentence vector (the product's pooling)."""
    import torch

    held, masks, vectors = [], [], []
    for start in range(0, len(texts), 64):
        batch = tokenizer(texts[start:start + 64], padding="max_length", truncation=True, max_length=TOKENS,
                          return_tensors="pt")
        with torch.no_grad():
            out = bert(**batch, output_hidden_states=True)
        mask = batch["attention_mask"]
        pooled = (out.hidden_states[6] * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        held.append(out.hidden_states[5].half())
        masks.append(mask)
        vectors.append(torch.nn.functional.normalize(pooled, dim=1))
    return torch.cat(held), torch.cat(masks), torch.cat(vectors).numpy()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=15000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--mix", default="0.25,0.5", help="the tuned layer's weights in the mix with the head")
    parser.add_argument("--append", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args(argv)
    import copy

    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from feedback.embed import Embedder, default_model_path

    torch.manual_seed(0)
    torch.set_num_threads(2)
    train_texts, y_train, test_texts, y_test = reviews(args.reviews)
    mixes = [float(w) for w in args.mix.split(",") if w]
    model = SentenceTransformer(str(default_model_path()), device="cpu")
    bert, tokenizer = model[0].auto_model, model.tokenizer
    bert.eval()
    x_train, m_train, v_train = states(train_texts, bert, tokenizer)
    x_test, m_test, v_test = states(test_texts, bert, tokenizer)

    def binary(scores: np.ndarray) -> float:
        return round(float(f1_score(y_test, scores > -quality.CUT, average="macro")), 3)

    frozen = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(v_train, y_train)
    head = quality.head_scores(test_texts, quality.CachedEmbedder(Embedder(), training.CACHE_DIR / "vectors.npz"))
    layer, linear = copy.deepcopy(bert.encoder.layer[5]), torch.nn.Linear(384, 2)
    optimiser = torch.optim.AdamW([*layer.parameters(), *linear.parameters()], lr=args.lr, weight_decay=0.01)
    balance = torch.tensor([len(y_train) / (2 * (y_train == c).sum()) for c in (0, 1)], dtype=torch.float32)

    def forward(x: Any, mask: Any) -> Any:
        additive = (1.0 - mask[:, None, None, :].float()) * -1e9  # padding masked out of attention
        out = layer(x.float(), attention_mask=additive)
        hidden = out[0] if isinstance(out, tuple) else out
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return linear(torch.nn.functional.normalize(pooled, dim=1) * 10)

    def tuned_scores() -> np.ndarray:
        layer.eval()
        found = []
        with torch.no_grad():
            for start in range(0, len(y_test), 128):
                width = int(m_test[start:start + 128].sum(1).max())
                p = torch.softmax(forward(x_test[start:start + 128, :width], m_test[start:start + 128, :width]), 1)
                found.append((p[:, 1] - p[:, 0]).numpy())
        layer.train()
        return np.concatenate(found)

    rows = []
    layer.train()
    for epoch in range(args.epochs):
        started = time.process_time()
        order = torch.randperm(len(y_train))
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            width = int(m_train[idx].sum(1).max())
            loss = torch.nn.functional.cross_entropy(forward(x_train[idx, :width], m_train[idx, :width]),
                                                     torch.tensor(y_train[idx.numpy()]), weight=balance)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        tuned = tuned_scores()
        rows.append((epoch + 1, round(time.process_time() - started), binary(tuned),
                     [binary((1 - w) * head + w * tuned) for w in mixes]))
        print(f"epoch {epoch + 1}: tuned layer {rows[-1][2]}, mixes {rows[-1][3]}", flush=True)

    lines = [f"## A tuned sixth layer beside the head (bench/sentiment_branch.py), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
             f" ({os.cpu_count()} cores)", "",
             f"{len(y_train):,} training reviews, {len(y_test):,} held-out reviews of 1-2 and 4-5 stars; lr {args.lr}.", "",
             "| reader | binary macro-F1 |", "|---|---|",
             f"| logistic regression on the frozen sentence vector | {binary(2 * frozen.predict_proba(v_test)[:, 1] - 1)} |",
             f"| the shipped head | {binary(head)} |"]
    for epoch, seconds, alone, mixed in rows:
        lines.append(f"| tuned layer, epoch {epoch} ({seconds} s CPU) | {alone} |")
        lines.extend(f"| head {1 - w:.2f} + tuned layer {w:.2f}, epoch {epoch} | {f} |" for w, f in zip(mixes, mixed, strict=True))
    print("\n".join(lines))
    if args.append:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
