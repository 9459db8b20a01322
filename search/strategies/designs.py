"""Where a search starts: random samples of the space, or a scrambled Sobol design over the
genome encoding (spread evenly through the space, so the first trials leave no region blank),
decoded to genomes."""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

from genomes import Genome, GenomeEncoding, Problem, Registry, SearchSpace, repair, sample_genome


class SobolDesign:
    """Point ``i`` of a scrambled Sobol sequence over the encoding, decoded and repaired. The
    points are drawn in blocks of powers of two (Sobol's balance holds per block) and depend
    only on the seed and ``i``."""

    def __init__(self, space: SearchSpace, problem: Problem, seed: int) -> None:
        self._encoding = GenomeEncoding(space, problem)
        self._space = space
        self._problem = problem
        self._seed = seed
        self._points = np.empty((0, self._encoding.size))

    def point(self, index: int) -> np.ndarray:
        if index >= len(self._points):
            m = max(4, int(np.ceil(np.log2(index + 1))))
            engine = qmc.Sobol(d=max(self._encoding.size, 1), scramble=True, seed=self._seed)
            self._points = engine.random_base2(m)[:, : self._encoding.size]
        return self._points[index]

    def genome(self, index: int, rng: np.random.Generator) -> Genome:
        genome = self._encoding.decode(self.point(index))
        return repair(genome, self._space, self._problem, rng)


class InitialDesign:
    """The genome of initial trial ``index``: a random sample or a Sobol point."""

    def __init__(self, kind: str, space: SearchSpace, problem: Problem, seed: int) -> None:
        INITIAL_DESIGNS.get(kind)
        self._sobol = SobolDesign(space, problem, seed) if kind == "sobol" else None
        self._space = space
        self._problem = problem

    def genome(self, index: int, rng: np.random.Generator) -> Genome:
        if self._sobol is not None:
            return self._sobol.genome(index, rng)
        return sample_genome(self._space, self._problem, rng)


INITIAL_DESIGNS: Registry[str] = Registry("initial design")
INITIAL_DESIGNS.register("random", "random samples of the space")
INITIAL_DESIGNS.register("sobol", "a scrambled Sobol design over the genome encoding")
