"""Embeddings for retrieval: the gateway's endpoint when EMBEDDING_MODEL names one, else a local
model that ships inside a PyPI package (no download at run time), else none (full-text only).

The local model is WordLlama's `l2_supercat` at 256 dimensions: a token-embedding table
(Llama 2's tokenizer, 32k tokens) whose files are in the `wordllama` wheel. It is read here
straight from those files (tokenizers + safetensors + numpy: mean of the tokens' vectors, L2
normalised, exactly WordLlama's `embed`), because `WordLlama.load()` looks for its tokenizer in
a folder the wheel does not have and then tries Hugging Face, and importing `wordllama` itself
configures the root logger. Loaded once per process, on first use, in a thread.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..runtime import Runtime

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("infrazen_agent.knowledge")

LOCAL_MODEL = "wordllama/l2_supercat_256"  # the value of knowledge_chunks.embedding_model
LOCAL_DIMENSIONS = 256
_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
MAX_CHARS = 8000  # a text is embedded from its first characters (chunks are far shorter)
GATEWAY_TIMEOUT_S = 5.0  # per request: a question's search falls back to full-text well within its tool timeout
GATEWAY_BATCH = 32  # texts per /embeddings request when indexing


class Embedder(Protocol):
    model: str
    kind: str  # "local" | "gateway"

    async def embed(self, texts: list[str]) -> list[list[float]]: ...


def _wordllama_files() -> tuple[Path, Path] | None:
    """The packaged weights and tokenizer, found without importing `wordllama`."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    weights, tokenizer = root / _WEIGHTS, root / _TOKENIZER
    return (weights, tokenizer) if weights.is_file() and tokenizer.is_file() else None


def local_model_available() -> tuple[bool, str]:
    """(available, why not): the wheel's files and the libraries that read them."""
    if _wordllama_files() is None:
        return False, "the wordllama package (with its l2_supercat_256 files) is not installed"
    for module in ("numpy", "safetensors", "tokenizers"):
        if importlib.util.find_spec(module) is None:
            return False, f"{module} is not installed"
    return True, ""


class LocalEmbedder:
    """WordLlama l2_supercat_256: the table and tokenizer are read on first use (~0.3 s)."""

    model = LOCAL_MODEL
    kind = "local"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._table: np.ndarray[Any, Any] | None = None
        self._tokenizer: Any = None

    def _load(self) -> tuple[np.ndarray[Any, Any], Any]:
        with self._lock:
            if self._table is None:
                files = _wordllama_files()
                if files is None:
                    raise RuntimeError("the wordllama package's model files are missing")
                from safetensors import safe_open
                from tokenizers import Tokenizer

                weights, tokenizer_file = files
                tokenizer = Tokenizer.from_file(str(tokenizer_file))
                tokenizer.no_padding()
                tokenizer.no_truncation()
                with safe_open(str(weights), framework="np") as f:
                    table = f.get_tensor("embedding.weight").astype("float32")
                self._tokenizer, self._table = tokenizer, table
            return self._table, self._tokenizer

    def embed_now(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        table, tokenizer = self._load()
        out: list[list[float]] = []
        for encoding in tokenizer.encode_batch([t[:MAX_CHARS] for t in texts], add_special_tokens=False):
            ids = np.clip(np.asarray(encoding.ids, dtype=np.int64), 0, table.shape[0] - 1)
            if ids.size == 0:
                out.append([0.0] * table.shape[1])
                continue
            vector = table[ids].mean(axis=0)
            norm = float(np.linalg.norm(vector))
            out.append((vector / norm if norm else vector).tolist())
        return out

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if self._table is not None and sum(len(t) for t in texts) < 2000:
            return self.embed_now(texts)  # a query: well under a millisecond
        return await asyncio.to_thread(self.embed_now, texts)


class GatewayEmbedder:
    """EMBEDDING_MODEL ("openai/<name>") on the OpenAI-compatible endpoint LLM_API_BASE."""

    kind = "gateway"

    def __init__(self, runtime: Runtime, model: str):
        from ..llm.openai_compat import OpenAICompatibleClient

        s = runtime.settings
        self.model = model
        key = s.llm_api_key.get_secret_value() if s.llm_api_key else ""
        self._client = OpenAICompatibleClient(s.llm_api_base, key or "none", connect_timeout_s=s.llm_connect_timeout_s)

    async def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for i in range(0, len(texts), GATEWAY_BATCH):
            vectors += await self._batch(texts[i : i + GATEWAY_BATCH])
        return vectors

    async def _batch(self, texts: list[str]) -> list[list[float]]:
        body = {"model": self.model.split("/", 1)[1], "input": [t[:MAX_CHARS] for t in texts]}
        answer = await asyncio.wait_for(self._client.embeddings(body), GATEWAY_TIMEOUT_S)
        rows = sorted(answer.get("data") or [], key=lambda r: int(r.get("index", 0)))
        vectors = [[float(x) for x in row["embedding"]] for row in rows]
        if len(vectors) != len(texts) or not all(vectors):
            raise ValueError(f"the embedding endpoint answered {len(vectors)} vectors for {len(texts)} texts")
        return vectors

    async def aclose(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True)
class Choice:
    """Which embeddings this configuration uses, and why."""

    kind: str  # "gateway" | "local" | "none"
    model: str  # "" for none
    reason: str = ""


def choose(runtime: Runtime) -> Choice:
    """Decided once per runtime (the settings do not change under it)."""
    choice = runtime.services.get("knowledge.choice")
    if not isinstance(choice, Choice):
        choice = runtime.services["knowledge.choice"] = _choose(runtime)
    return choice


def _choose(runtime: Runtime) -> Choice:
    s = runtime.settings
    wanted = s.embedding_model.strip()
    if wanted and wanted.lower() != "local":
        if wanted.lower() == "none":
            return Choice("none", "", "EMBEDDING_MODEL=none")
        if wanted.startswith("openai/") and s.llm_configured and s.llm_api_base:
            return Choice("gateway", wanted)
        reason = "needs an openai/… model on LLM_API_BASE" if s.llm_configured else "no model is configured"
        log.warning("EMBEDDING_MODEL not usable; the local model answers", extra={"model": wanted, "reason": reason})
    ok, why = local_model_available()
    return Choice("local", LOCAL_MODEL) if ok else Choice("none", "", why)


_LOCAL = LocalEmbedder()  # one table per process, whatever the runtime


def get_embedder(runtime: Runtime) -> Embedder | None:
    """The process's embedder for this runtime's configuration (None: full-text only)."""
    choice = choose(runtime)
    if choice.kind == "none":
        return None
    if choice.kind == "local":
        return _LOCAL
    embedder = runtime.services.get("knowledge.embedder")
    if not isinstance(embedder, GatewayEmbedder) or embedder.model != choice.model:
        embedder = GatewayEmbedder(runtime, choice.model)
        runtime.services["knowledge.embedder"] = embedder
    return embedder


def vector_literal(vector: list[float]) -> str:
    """pgvector's text form ("[0.1,0.2]"), cast with ::vector in SQL."""
    return "[" + ",".join(f"{x:.6g}" for x in vector) + "]"
