"""ModelJSON: a route's model as FastAPI's response_model wrote it (fields, None left out, UTF-8),
and the routes that return it still publish their models in the OpenAPI schema."""

import json

from pydantic import BaseModel

from memrag.api.app import create_app
from memrag.api.json_out import ModelJSON
from memrag.memory.settings import Settings


class Reply(BaseModel):
    answer: str
    support: str | None = None
    score: float


def test_none_fields_are_left_out_and_text_stays_utf8() -> None:
    response = ModelJSON(Reply(answer="Zürich, 東京", score=0.5))
    assert response.media_type == "application/json"
    assert bytes(response.body).decode("utf-8") == '{"answer":"Zürich, 東京","score":0.5}'


def test_exclude_none_false_keeps_every_field() -> None:
    body = json.loads(bytes(ModelJSON(Reply(answer="a", score=1.0), exclude_none=False).body))
    assert body == {"answer": "a", "support": None, "score": 1.0}


def test_ask_retrieve_and_chat_still_publish_their_response_models(tmp_path) -> None:
    paths = create_app(Settings(data_dir=tmp_path)).openapi()["paths"]
    expected = {
        "/v1/namespaces/{ns}/ask": "AskOut",
        "/v1/namespaces/{ns}/retrieve": "RetrieveOut",
        "/v1/chat/completions": "ChatResponse",
    }
    for path, model in expected.items():
        content = paths[path]["post"]["responses"]["200"]["content"]["application/json"]
        assert content["schema"]["$ref"].endswith(f"/{model}"), path
