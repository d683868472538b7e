"use strict";
// Starts Swagger UI on /api/schema/swagger-ui/ (core/api/docs.py). A static file, not an inline script:
// the site's CSP runs scripts from its own origin only. The page gives the schema's address, Swagger
// UI's settings and the CSRF header in data attributes of #swagger-ui.
(function () {
  const root = document.getElementById("swagger-ui");
  const settings = JSON.parse(root.dataset.settings || "{}");
  const csrfHeader = root.dataset.csrfHeader;
  const csrfToken = root.dataset.csrfToken;

  // "Try it out" with the browser's session: writes carry the CSRF token, as Django asks.
  const requestInterceptor = (request) => {
    if (!["GET", "HEAD", "OPTIONS", undefined].includes(request.method) && csrfHeader && csrfToken) {
      request.headers[csrfHeader] = csrfToken;
    }
    return request;
  };

  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor,
    // The validator badge would load an image from validator.swagger.io: nothing leaves the site.
    validatorUrl: null,
    ...settings,
  });
})();
