{% comment %}The script of /v1/docs (meetings/api/docs.py serves it at ?script, as drf-spectacular's split view does, so that no script is inline).{% endcomment %}"use strict";
// Swagger UI draws /v1/schema into the site's page with a layout of its own,
// made the way Swagger UI's docs make custom layouts (a plugin). It is
// BaseLayout without the info block, which the page's header replaces, and
// without BaseLayout's <main>: the page has its main landmark already.
const swaggerSettings = {{ settings|safe }};

const layoutPlugin = (system) => {
  const h = system.React.createElement;
  const MeetstreamLayout = ({ getComponent, specSelectors }) => {
    const Errors = getComponent("errors", true);
    const status = specSelectors.loadingStatus();
    if (status === "loading" || !specSelectors.specStr()) {
      return h("div", { className: "swagger-ui" }, h("p", null, "Loading the operations…"));
    }
    if (status === "failed") {
      return h(
        "div",
        { className: "swagger-ui" },
        h("p", { role: "alert" }, "The API's description could not be loaded."),
        h(Errors),
      );
    }
    const SvgAssets = getComponent("SvgAssets");
    const Servers = getComponent("ServersContainer", true);
    const Authorize = getComponent("AuthorizeBtnContainer", true);
    const Operations = getComponent("operations", true);
    const Models = getComponent("Models", true);
    const servers = specSelectors.servers();
    const secured = Boolean(specSelectors.securityDefinitions());
    const hasServers = Boolean(servers && servers.size);
    return h(
      "div",
      { className: "swagger-ui" },
      h(SvgAssets),
      h(Errors),
      hasServers || secured
        ? h(
            "div",
            { className: "scheme-container" },
            hasServers ? h(Servers) : null,
            secured ? h(Authorize) : null,
          )
        : null,
      h(Operations),
      h(Models),
    );
  };
  return { components: { MeetstreamLayout } };
};

// What Swagger UI leaves unnamed or out of the keyboard's reach in the parts
// that open on demand (an operation, "Try it out", the Authorize dialog) gets
// a name or a tab stop as it appears: attributes only, which React leaves be.
const amend = (root) => {
  for (const select of root.querySelectorAll("tr[data-param-name] select:not([aria-label])")) {
    select.setAttribute("aria-label", select.closest("tr").dataset.paramName);
  }
  for (const region of root.querySelectorAll('[role="region"][id$="_responses"]:not([aria-label])')) {
    const summary = region.closest(".opblock")?.querySelector(".opblock-summary");
    const method = summary?.querySelector(".opblock-summary-method")?.textContent ?? "";
    const path = summary?.querySelector("[data-path]")?.dataset.path ?? "";
    region.setAttribute("aria-label", `Responses of ${method} ${path}`.replace(/\s+/g, " "));
  }
  for (const code of root.querySelectorAll(".highlight-code > pre:not([tabindex])")) {
    code.setAttribute("tabindex", "0");
  }
  for (const close of root.querySelectorAll(".close-modal:not([aria-label])")) {
    close.setAttribute("aria-label", "Close");
  }
  for (const button of root.querySelectorAll('.auth-btn-wrapper [aria-label="Apply credentials"]')) {
    button.setAttribute("aria-label", `${button.textContent.trim()}: apply credentials`);
  }
};
const container = document.getElementById("swagger-ui");
new MutationObserver(() => amend(container)).observe(container, { childList: true, subtree: true });

SwaggerUIBundle({
  url: "{{ schema_url|escapejs }}",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  plugins: [layoutPlugin],
  ...swaggerSettings,
  layout: "MeetstreamLayout",
  requestInterceptor: (request) => {
    // "Try it out" requests that change something carry the session's CSRF token.
    if (!["GET", undefined].includes(request.method) && request.credentials === "same-origin") {
      request.headers["{{ csrf_header_name|escapejs }}"] = "{{ csrf_token|escapejs }}";
    }
    return request;
  },
});
