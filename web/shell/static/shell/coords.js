// Coordinates for display only: the cursor's position in the reader's notation, and measured lengths and
// areas. Reading what people type is the server's (core/coordinates.py, /api/v1/coordinates/parse), so
// there is one parser; this writes the same four notations the same way (tests/browser/test_atlas_tools.py
// compares the two), with UTM from the same Krüger series and MGRS letters by the standard lettering.
window.Clearground = window.Clearground || {};
(function (C) {
  const a = 6378137, f = 1 / 298.257223563, k0 = 0.9996;
  const e = Math.sqrt(f * (2 - f)), n = f / (2 - f);
  const A = a / (1 + n) * (1 + n ** 2 / 4 + n ** 4 / 64 + n ** 6 / 256);
  const alpha = [
    n / 2 - 2 * n ** 2 / 3 + 5 * n ** 3 / 16 + 41 * n ** 4 / 180 - 127 * n ** 5 / 288 + 7891 * n ** 6 / 37800,
    13 * n ** 2 / 48 - 3 * n ** 3 / 5 + 557 * n ** 4 / 1440 + 281 * n ** 5 / 630 - 1983433 * n ** 6 / 1935360,
    61 * n ** 3 / 240 - 103 * n ** 4 / 140 + 15061 * n ** 5 / 26880 + 167603 * n ** 6 / 181440,
    49561 * n ** 4 / 161280 - 179 * n ** 5 / 168 + 6601661 * n ** 6 / 7257600,
    34729 * n ** 5 / 80640 - 3418889 * n ** 6 / 1995840,
    212378941 * n ** 6 / 319334400,
  ];
  const BANDS = "CDEFGHJKLMNPQRSTUVWX";

  function zoneOf(lon, lat) {
    if (lat >= 56 && lat < 64 && lon >= 3 && lon < 12) return 32;
    if (lat >= 72 && lat <= 84 && lon >= 0 && lon < 42) return lon < 9 ? 31 : lon < 21 ? 33 : lon < 33 ? 35 : 37;
    return Math.min(60, Math.floor((lon + 180) / 6) + 1);
  }

  /** [zone, band, easting, northing], or null outside 80°S–84°N. */
  C.utm = function (lon, lat, zone) {
    if (lat < -80 || lat > 84) return null;
    zone = zone || zoneOf(lon, lat);
    const band = BANDS[Math.min(19, Math.max(0, Math.floor((lat + 80) / 8)))];
    const phi = lat * Math.PI / 180;
    const lam = ((((lon - (zone * 6 - 183)) + 180) % 360 + 360) % 360 - 180) * Math.PI / 180;
    const tau = Math.tan(phi);
    const sigma = Math.sinh(e * Math.atanh(e * tau / Math.sqrt(1 + tau * tau)));
    const tauP = tau * Math.sqrt(1 + sigma * sigma) - sigma * Math.sqrt(1 + tau * tau);
    const xiP = Math.atan2(tauP, Math.cos(lam));
    const etaP = Math.asinh(Math.sin(lam) / Math.sqrt(tauP * tauP + Math.cos(lam) ** 2));
    let xi = xiP, eta = etaP;
    alpha.forEach((c, i) => {
      const j = 2 * (i + 1);
      xi += c * Math.sin(j * xiP) * Math.cosh(j * etaP);
      eta += c * Math.cos(j * xiP) * Math.sinh(j * etaP);
    });
    const northing = k0 * A * xi + (band < "N" ? 10000000 : 0);
    return [zone, band, k0 * A * eta + 500000, Math.max(0, northing)];
  };

  function mgrs(lon, lat) {
    const u = C.utm(lon, lat);
    if (!u) return null;
    const [zone, band, easting, northing] = u;
    const cols = ["STUVWXYZ", "ABCDEFGH", "JKLMNPQR"][zone % 3];
    const rows = "ABCDEFGHJKLMNPQRSTUV";
    const e100 = Math.floor(easting / 100000), n100 = Math.floor(northing / 100000);
    const square = cols[e100 - 1] + rows[(n100 + (zone % 2 === 0 ? 5 : 0)) % 20];
    const five = (v) => String(Math.floor(v + 1e-6) % 100000).padStart(5, "0");
    return `${zone}${band} ${square} ${five(easting)} ${five(northing)}`;
  }

  function dms(value, places) {
    const total = Math.round(Math.abs(value) * 3600 * 10 ** places) / 10 ** places;
    const d = Math.floor(total / 3600), m = Math.floor((total - d * 3600) / 60);
    const s = total - d * 3600 - m * 60;
    return `${d}°${String(m).padStart(2, "0")}'${s.toFixed(places).padStart(places + 3, "0")}"`;
  }

  /** The position written in a notation ("dd", "dms", "utm", "mgrs"), as the server writes it. */
  C.formatPosition = function (lon, lat, notation) {
    const ns = lat >= 0 ? "N" : "S", ew = lon >= 0 ? "E" : "W";
    if (notation === "dms") return `${dms(lat, 2)}${ns} ${dms(lon, 2)}${ew}`;
    if (notation === "utm") {
      const u = C.utm(lon, lat);
      return u ? `${u[0]}${u[1]} ${Math.floor(u[2] + 1e-6)} ${Math.floor(u[3] + 1e-6)}` : "—";
    }
    if (notation === "mgrs") return mgrs(lon, lat) || "—";
    return `${Math.abs(lat).toFixed(6)}° ${ns}, ${Math.abs(lon).toFixed(6)}° ${ew}`;
  };

  /** Geodesic distance in metres on the WGS 84 ellipsoid (Vincenty's inverse; haversine if it does not converge). */
  C.distance = function (p1, p2) {
    const b = a * (1 - f), rad = Math.PI / 180;
    const L = (p2[0] - p1[0]) * rad;
    const U1 = Math.atan((1 - f) * Math.tan(p1[1] * rad)), U2 = Math.atan((1 - f) * Math.tan(p2[1] * rad));
    const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    let lambda = L, sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM;
    for (let i = 0; i < 200; i++) {
      const sinL = Math.sin(lambda), cosL = Math.cos(lambda);
      sinSigma = Math.sqrt((cosU2 * sinL) ** 2 + (cosU1 * sinU2 - sinU1 * cosU2 * cosL) ** 2);
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
      sigma = Math.atan2(sinSigma, cosSigma);
      const sinAlpha = cosU1 * cosU2 * sinL / sinSigma;
      cos2Alpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cos2Alpha ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
      const Cc = f / 16 * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
      const previous = lambda;
      lambda = L + (1 - Cc) * f * sinAlpha * (sigma + Cc * sinSigma * (cos2SigmaM + Cc * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
      if (Math.abs(lambda - previous) < 1e-12) {
        const uSq = cos2Alpha * (a * a - b * b) / (b * b);
        const Aa = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
        const Bb = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
        const dSigma = Bb * sinSigma * (cos2SigmaM + Bb / 4 * (cosSigma * (-1 + 2 * cos2SigmaM ** 2)
          - Bb / 6 * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
        return b * Aa * (sigma - dSigma);
      }
    }
    const dp = (p2[1] - p1[1]) * rad, h = Math.sin(dp / 2) ** 2 + Math.cos(p1[1] * rad) * Math.cos(p2[1] * rad) * Math.sin(L / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  };

  /** Area in m² of a ring of [lon, lat], measured in the UTM zone of its middle, as the server measures
   * hazards (decision 0002); near the poles, where UTM stops, on the sphere. */
  C.area = function (ring) {
    if (ring.length < 3) return 0;
    const mid = (i) => ring.reduce((sum, p) => sum + p[i], 0) / ring.length;
    const zone = zoneOf(mid(0), mid(1));
    const xy = ring.map((p) => C.utm(p[0], p[1], zone));
    let sum = 0;
    if (xy.every(Boolean)) {
      const north = ring[0][1] >= 0;  // one hemisphere's northings for the whole ring
      const y = (u, p) => u[3] - (p[1] < 0 && north ? 10000000 : 0) + (p[1] >= 0 && !north ? 10000000 : 0);
      for (let i = 0; i < ring.length; i++) {
        const j = (i + 1) % ring.length;
        sum += xy[i][2] * y(xy[j], ring[j]) - xy[j][2] * y(xy[i], ring[i]);
      }
      return Math.abs(sum) / 2;
    }
    const R = 6371008.8, rad = Math.PI / 180;
    for (let i = 0; i < ring.length; i++) {
      const p = ring[i], q = ring[(i + 1) % ring.length];
      sum += (q[0] - p[0]) * rad * (2 + Math.sin(p[1] * rad) + Math.sin(q[1] * rad));
    }
    return Math.abs(sum * R * R / 2);
  };
})(window.Clearground);
