#!/usr/bin/env python3
"""Makes themes/default/data/east-asia.json, the country outlines of the map on /cities/.

Source: Natural Earth 1:50m Admin 0 countries (public domain), as redistributed in
TopoJSON by the npm package `world-atlas` 2.0.2 (ISC licence). To regenerate:

    npm install --prefix /tmp/world-atlas world-atlas@2.0.2
    python3 scripts/east-asia-map.py \
        /tmp/world-atlas/node_modules/world-atlas/countries-50m.json \
        > themes/default/data/east-asia.json

What it does, standard library only, deterministic:
1. decodes the topology's quantized, delta-encoded arcs into longitude/latitude;
2. simplifies every arc once (Douglas-Peucker, TOLERANCE degrees), so that borders
   shared by two countries stay shared after simplification;
3. assembles each country's rings from its arcs, clips them to BOUNDS
   (Sutherland-Hodgman against the rectangle) and drops rings smaller than MIN_AREA;
4. writes {source, licence, bounds, countries: [{id, name, rings}]}, with `id` the
   ISO 3166-1 alpha-2 code where the table below knows it and each ring a flat list
   [lon, lat, lon, lat, ...] rounded to 0.01 degree. Coordinates are not projected:
   accord projects them when it draws the map.
"""

import json
import sys

BOUNDS = (60.0, -12.0, 170.0, 62.0)  # west, south, east, north
TOLERANCE = 0.04
MIN_AREA = 0.01  # square degrees; Jeju is about 0.18

# ISO 3166-1 numeric -> alpha-2, for the countries inside BOUNDS.
ALPHA2 = {
    "004": "AF", "050": "BD", "064": "BT", "096": "BN", "104": "MM", "116": "KH",
    "156": "CN", "158": "TW", "344": "HK", "356": "IN", "360": "ID", "392": "JP",
    "398": "KZ", "408": "KP", "410": "KR", "417": "KG", "418": "LA", "446": "MO",
    "458": "MY", "462": "MV", "496": "MN", "524": "NP", "586": "PK", "598": "PG",
    "608": "PH", "626": "TL", "643": "RU", "702": "SG", "704": "VN", "762": "TJ",
    "764": "TH", "795": "TM", "860": "UZ", "144": "LK", "364": "IR", "580": "MP",
    "316": "GU", "583": "FM", "585": "PW", "090": "SB", "036": "AU",
}


def decode_arcs(topo):
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(points, tol):
    """Douglas-Peucker, iterative; keeps both ends."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, best_d = None, tol
        for i in range(a + 1, b):
            px, py = points[i]
            if norm == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs(dy * px - dx * py + bx * ay - by * ax) / norm
            if d > best_d:
                best, best_d = i, d
        if best is not None:
            keep[best] = True
            stack.append((a, best))
            stack.append((best, b))
    return [p for p, k in zip(points, keep) if k]


def ring_points(ring, arcs):
    out = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        out.extend(arc if not out else arc[1:])
    return out


def clip(points, bounds):
    west, south, east, north = bounds
    edges = [
        (lambda p: p[0] >= west, lambda p, q: cut_x(p, q, west)),
        (lambda p: p[0] <= east, lambda p, q: cut_x(p, q, east)),
        (lambda p: p[1] >= south, lambda p, q: cut_y(p, q, south)),
        (lambda p: p[1] <= north, lambda p, q: cut_y(p, q, north)),
    ]
    for inside, cut in edges:
        if not points:
            break
        out = []
        prev = points[-1]
        for p in points:
            if inside(p):
                if not inside(prev):
                    out.append(cut(prev, p))
                out.append(p)
            elif inside(prev):
                out.append(cut(prev, p))
            prev = p
        points = out
    return points


def cut_x(p, q, x):
    t = (x - p[0]) / (q[0] - p[0])
    return (x, p[1] + t * (q[1] - p[1]))


def cut_y(p, q, y):
    t = (y - p[1]) / (q[1] - p[1])
    return (p[0] + t * (q[0] - p[0]), y)


def area(points):
    s = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]):
        s += x1 * y2 - x2 * y1
    return abs(s) / 2


def main():
    topo = json.load(open(sys.argv[1], encoding="utf-8"))
    arcs = [simplify(a, TOLERANCE) for a in decode_arcs(topo)]
    countries = []
    for g in topo["objects"]["countries"]["geometries"]:
        if g["type"] == "Polygon":
            polygons = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polygons = g["arcs"]
        else:
            continue
        rings = []
        for polygon in polygons:
            for ring in polygon:
                points = ring_points(ring, arcs)
                if points and points[0] == points[-1]:
                    points = points[:-1]
                points = clip(points, BOUNDS)
                rounded = []
                for x, y in points:
                    p = (round(x, 2), round(y, 2))
                    if not rounded or rounded[-1] != p:
                        rounded.append(p)
                if len(rounded) >= 3 and area(rounded) >= MIN_AREA:
                    rings.append([c for p in rounded for c in p])
        if rings:
            gid = str(g.get("id", ""))
            countries.append({
                "id": ALPHA2.get(gid, gid),
                "name": g["properties"]["name"],
                "rings": rings,
            })
    countries.sort(key=lambda c: (c["id"], c["name"]))
    out = {
        "source": "Natural Earth 1:50m Admin 0 countries, via the npm package world-atlas 2.0.2; "
                  "simplified and clipped by scripts/east-asia-map.py",
        "licence": "Natural Earth: public domain. world-atlas: ISC.",
        "bounds": list(BOUNDS),
        "countries": countries,
    }
    json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
