"""Specs of flip, roll, tril, triu, diagonal, diag_embed, movedim and F.pad."""

from __future__ import annotations

from . import OpSpec


def _F(lib):
    """``tinygrad_mlp.functional`` or ``torch.nn.functional``."""
    return lib.functional if lib.__name__ == "tinygrad_mlp" else lib.nn.functional


SPECS = [
    OpSpec("flip.first", lambda lib, x: x.flip(0), shapes="same", min_dims=1),
    OpSpec("flip.dims", lambda lib, x: lib.flip(x, (0, -1)), shapes="same", min_dims=2),
    OpSpec("flip.method_varargs", lambda lib, x: x.flip(1, 0), shapes="same", min_dims=2),
    OpSpec("fliplr", lambda lib, x: x.fliplr(), shapes="same", min_dims=2),
    OpSpec("flipud", lambda lib, x: lib.flipud(x), shapes="same", min_dims=1),
    OpSpec("roll.flat", lambda lib, x: x.roll(2), shapes="same"),
    OpSpec("roll.dim", lambda lib, x: x.roll(-1, 0), shapes="same", min_dims=1),
    OpSpec("roll.dims", lambda lib, x: lib.roll(x, (1, -2), (0, 1)), shapes="same", min_dims=2),
    OpSpec("tril", lambda lib, x: x.tril(), shapes="same", min_dims=2),
    OpSpec("tril.above", lambda lib, x: lib.tril(x, 1), shapes="same", min_dims=2),
    OpSpec("triu", lambda lib, x: x.triu(), shapes="same", min_dims=2),
    OpSpec("triu.below", lambda lib, x: lib.triu(x, diagonal=-1), shapes="same", min_dims=2),
    OpSpec("diagonal", lambda lib, x: x.diagonal(), shapes="same", min_dims=2),
    OpSpec("diagonal.offset", lambda lib, x: lib.diagonal(x, 1), shapes=((3, 4),)),
    OpSpec("diagonal.below_last_dims", lambda lib, x: x.diagonal(-1, dim1=-1, dim2=-2),
           shapes=((2, 4, 3),)),
    OpSpec("diag_embed", lambda lib, x: lib.diag_embed(x), shapes="same", min_dims=1),
    OpSpec("diag_embed.offset", lambda lib, x: lib.diag_embed(x, 1, 0, 2), shapes=((2, 3),)),
    OpSpec("movedim", lambda lib, x: x.movedim(0, -1), shapes="same", min_dims=1),
    OpSpec("movedim.tuple", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), shapes=((2, 3, 4),)),
    OpSpec("pad.constant", lambda lib, x: _F(lib).pad(x, (1, 2)), shapes="same", min_dims=1),
    OpSpec("pad.constant_value_2d", lambda lib, x: _F(lib).pad(x, (0, 1, 2, 1), value=0.5),
           shapes=((2, 3),)),
    OpSpec("pad.crop", lambda lib, x: _F(lib).pad(x, (-1, 2, 1, -1)), shapes=((3, 4),)),
    OpSpec("pad.reflect", lambda lib, x: _F(lib).pad(x, (2, 3), mode="reflect"),
           shapes=((2, 3, 4),)),
    OpSpec("pad.reflect_2d", lambda lib, x: _F(lib).pad(x, (1, 2, 2, 1), mode="reflect"),
           shapes=((2, 3, 4),)),
    OpSpec("pad.replicate", lambda lib, x: _F(lib).pad(x, (2, 1, 0, 3), mode="replicate"),
           shapes=((1, 3, 4),)),
    OpSpec("pad.circular", lambda lib, x: _F(lib).pad(x, (3, 1), mode="circular"),
           shapes=((2, 2, 4),)),
]
