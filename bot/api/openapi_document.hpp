#pragma once
// The OpenAPI document of the REST API (bot/api/openapi.yaml), built into the binary so that
// GET /api/v1/openapi.yaml always describes the routes of the service that answers it.
#include <string_view>

namespace costbot::api {

std::string_view openapi_document();

}  // namespace costbot::api
