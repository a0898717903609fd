"""REST views of meetings under /v1/meetings."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from .. import indexing, services
from ..http import etag_for
from .serializers import (
    MeetingCreateSerializer,
    MeetingListParamsSerializer,
    MeetingPageSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    parse_if_match,
)

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The ETag of the version you changed, e.g. "3"; 412 if stale.',
    pattern=r'^(\*|\s*(W/)?"?[0-9]{1,18}"?\s*)$',
)
MEETING_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The meeting's id."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Retrying a create with the same key returns the same meeting.",
)


def parse_meeting_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise serializers.ValidationError(
            {"id": ["Not a valid meeting id (a UUID)."]}
        ) from None


class MeetingViewSet(viewsets.ViewSet):
    """Meetings visible to the requester; others' meetings answer 404."""

    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @extend_schema(
        parameters=[MeetingListParamsSerializer],
        responses=MeetingPageSerializer,
    )
    def list(self, request: Request) -> Response:
        """Return {results: [meeting], next_cursor, search} newest first or by
        `sort` (scheduled start or last update, either way: from the search
        index).

        With `q`, the meetings whose title contains it, in that order or by
        relevance, and search {index, sort} says what answered: the search
        index, or (index "none") a filter of the listing. With `id` (repeatable),
        return just those of these meetings the requester may see, in the
        order asked, and next_cursor null.
        """
        data = request.query_params.dict()
        if "id" in request.query_params:
            data["id"] = request.query_params.getlist("id")
        params = MeetingListParamsSerializer(data=data)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        if "id" in query:
            return self._list_by_id(request, query["id"])
        page = services.list_meetings(
            services.viewer_for(request.user),
            owner_id=query.get("owner"),
            status=query.get("status"),
            title_contains=query.get("q"),
            limit=query.get("limit", 20),
            cursor=query.get("cursor"),
            sort=query.get("sort", "newest"),
        )
        search = None
        if query.get("q"):
            index = indexing.search_index_name()
            # Without an index, the filtered listing is newest first, whatever
            # was asked.
            sort = query.get("sort", "newest") if index != "none" else "newest"
            search = {"index": index, "sort": sort}
        return Response(
            {
                "results": MeetingSerializer(page.meetings, many=True).data,
                "next_cursor": page.next_cursor,
                "search": search,
            }
        )

    def _list_by_id(self, request: Request, meeting_ids: list[uuid.UUID]) -> Response:
        # Missing and others' meetings are left out alike, as a 404 would be.
        found = services.visible_meetings(
            services.viewer_for(request.user), meeting_ids
        )
        meetings = [found[i] for i in dict.fromkeys(meeting_ids) if i in found]
        return Response(
            {
                "results": MeetingSerializer(meetings, many=True).data,
                "next_cursor": None,
                "search": None,
            }
        )

    @extend_schema(
        request=MeetingCreateSerializer,
        responses={201: MeetingSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def create(self, request: Request) -> Response:
        """Create a meeting owned by the requester; return it with its ETag."""
        body = MeetingCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "")[:200] or None
        meeting = services.create_meeting_as(
            str(request.user.pk), body.validated_data, key
        )
        return _meeting_response(meeting, status.HTTP_201_CREATED)

    @extend_schema(responses=MeetingSerializer, parameters=[MEETING_ID])
    def retrieve(self, request: Request, pk: str) -> Response:
        """Return the meeting with its ETag."""
        meeting = services.get_meeting(
            services.viewer_for(request.user), parse_meeting_id(pk)
        )
        return _meeting_response(meeting)

    @extend_schema(
        request=MeetingUpdateSerializer,
        responses=MeetingSerializer,
        parameters=[MEETING_ID, IF_MATCH],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change fields and/or status, progress and status message."""
        meeting_id = parse_meeting_id(pk)
        expected = parse_if_match(request.headers.get("If-Match"))
        body = MeetingUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = services.update_meeting(
            services.viewer_for(request.user),
            meeting_id,
            body.validated_data,
            expected,
        )
        return _meeting_response(meeting)

    @extend_schema(responses={204: None}, parameters=[MEETING_ID, IF_MATCH])
    def destroy(self, request: Request, pk: str) -> Response:
        """Delete the meeting; answer 204 with no body."""
        meeting_id = parse_meeting_id(pk)
        expected = parse_if_match(request.headers.get("If-Match"))
        services.delete_meeting(services.viewer_for(request.user), meeting_id, expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _meeting_response(meeting, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(
        MeetingSerializer(meeting).data,
        status=status_code,
        headers={"ETag": etag_for(meeting)},
    )
