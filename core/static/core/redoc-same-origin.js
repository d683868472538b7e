"use strict";
// Loaded before ReDoc on /api/schema/redoc/ (core/api/docs.py). ReDoc's sidebar always draws Redocly's
// logo from https://cdn.redoc.ly, and has no setting to leave it out; this page loads nothing from
// another origin (intranets cannot reach one, and the CSP would refuse it), so an image whose address
// is on another origin is simply not given that address. Images of this origin, data: and blob: load.
(function () {
  const allowed = (value) => {
    const text = String(value);
    if (/^(data|blob):/i.test(text)) {
      return true;
    }
    try {
      return new URL(text, document.baseURI).origin === window.location.origin;
    } catch (error) {
      return false;
    }
  };

  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && !allowed(value)) {
      return undefined;
    }
    return setAttribute.call(this, name, value);
  };

  const descriptor = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: descriptor.enumerable,
    get: descriptor.get,
    set(value) {
      if (allowed(value)) {
        descriptor.set.call(this, value);
      }
    },
  });
})();
