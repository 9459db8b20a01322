"""Bad dataset input through the CLI: one line naming the input and the rule, exit code 2,
and no run directory written."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from automl.cli import main
from tests.dataset_files import write_cifar10, write_image_folder, write_mnist


def _mnist_missing(tmp: Path) -> tuple[dict, list[str]]:
    return {"name": "mnist", "root": str(tmp / "nowhere")}, [
        str(tmp / "nowhere" / "MNIST" / "raw"),
        "dataset.download: true",
    ]


def _mnist_truncated(tmp: Path) -> tuple[dict, list[str]]:
    raw = write_mnist(tmp)
    images = raw / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:5000])
    return {"name": "mnist", "root": str(tmp)}, ["truncated or corrupted", str(raw)]


def _fashion_labels_missing(tmp: Path) -> tuple[dict, list[str]]:
    raw = write_mnist(tmp, "FashionMNIST")
    (raw / "t10k-labels-idx1-ubyte").unlink()
    return {"name": "fashion_mnist", "root": str(tmp)}, ["t10k-labels-idx1-ubyte", "download"]


def _cifar_corrupted(tmp: Path) -> tuple[dict, list[str]]:
    folder = write_cifar10(tmp)
    (folder / "data_batch_3").write_bytes(np.random.default_rng(0).bytes(3000))
    return {"name": "cifar10", "root": str(tmp)}, ["data_batch_3", "not a readable CIFAR-10"]


def _cifar_wrong_layout(tmp: Path) -> tuple[dict, list[str]]:
    folder = write_cifar10(tmp)
    (folder / "test_batch").write_bytes(
        pickle.dumps({"data": np.zeros((4, 100), np.uint8), "labels": [0, 1, 2, 3]})
    )
    return {"name": "cifar10", "root": str(tmp)}, ["test_batch", "3072"]


def _folder_with_text_file(tmp: Path) -> tuple[dict, list[str]]:
    write_image_folder(tmp / "pets")
    (tmp / "pets" / "dog" / "notes.txt").write_text("not a picture")
    return {"name": "image_folder", "root": str(tmp / "pets")}, [
        "notes.txt",
        "not a readable image",
    ]


def _folder_with_truncated_png(tmp: Path) -> tuple[dict, list[str]]:
    write_image_folder(tmp / "pets")
    png = tmp / "pets" / "cat" / "3.png"
    png.write_bytes(png.read_bytes()[:60])
    return {"name": "image_folder", "root": str(tmp / "pets")}, ["3.png", "not a readable image"]


def _csv(text: str) -> Callable[[Path], tuple[dict, list[str]]]:
    def case(tmp: Path) -> tuple[dict, list[str]]:
        (tmp / "table.csv").write_text(text)
        return {"name": "csv", "path": str(tmp / "table.csv")}, []

    return case


def _with(case, *expected: str):  # noqa: ANN001, ANN202
    def wrapped(tmp: Path) -> tuple[dict, list[str]]:
        config, found = case(tmp)
        return config, [*found, *expected]

    return wrapped


def _npz_without_labels(tmp: Path) -> tuple[dict, list[str]]:
    np.savez(tmp / "data.npz", x=np.zeros((10, 3)))
    return {"name": "npz", "path": str(tmp / "data.npz")}, ["no array 'y'"]


def _npz_float_images_out_of_range(tmp: Path) -> tuple[dict, list[str]]:
    np.savez(tmp / "data.npz", x=np.full((20, 1, 4, 4), 255.0), y=np.arange(20) % 2)
    return {"name": "npz", "path": str(tmp / "data.npz")}, ["[0, 1]", "uint8"]


ROWS = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30))
CASES = {
    "mnist root missing": _mnist_missing,
    "truncated IDX file": _mnist_truncated,
    "IDX file missing": _fashion_labels_missing,
    "corrupted CIFAR batch": _cifar_corrupted,
    "CIFAR batch of the wrong layout": _cifar_wrong_layout,
    "non-image file in a class folder": _folder_with_text_file,
    "truncated PNG": _folder_with_truncated_png,
    "empty CSV": _with(_csv(""), "empty"),
    "CSV header only": _with(_csv("a,b,label\n"), "no data rows"),
    "ragged CSV row": _with(_csv("a,b,label\n1,2,0\n3,4\n" + ROWS), "line 3", "2 fields"),
    "non-numeric feature": _with(
        _csv("a,b,label\n1,2,0\n3,4,1\n5,six,0\n" + ROWS), "line 4", "column 'b'", "'six'"
    ),
    "missing label column": _with(_csv("a,b,class\n" + ROWS), "no label column 'label'"),
    "single class": _with(_csv("a,b,label\n" + "1,2,x\n" * 20), "at least 2 classes"),
    "fewer samples than the splits need": _with(
        _csv("a,b,label\n1,2,x\n3,4,y\n5,6,z\n"), "dataset.test_fraction", "cannot split"
    ),
    "CSV file missing": lambda tmp: (
        {"name": "csv", "path": str(tmp / "no.csv")},
        ["no such file"],
    ),
    "npz without labels": _npz_without_labels,
    "npz float images beyond [0, 1]": _npz_float_images_out_of_range,
    "csv without a path": lambda tmp: ({"name": "csv"}, ["dataset.path", "required"]),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_dataset_is_one_line_exit_2_and_nothing_written(tmp_path: Path, case: str) -> None:
    dataset, expected = CASES[case](tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"dataset": dataset, "space": {"families": ["mlp"]}}))
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["search", str(config), "--out", str(out)])
    message = result.stderr.strip()
    assert result.exit_code == 2, f"{case}: exit {result.exit_code}, output {result.output!r}"
    assert len(message.splitlines()) == 1, f"{case}: not one line: {message!r}"
    for fragment in expected:
        assert fragment in message, f"{case}: {fragment!r} missing from {message!r}"
    assert not out.exists(), f"{case}: the run directory was written"
