"""Print one hook for each of 50 realistic headlines, for judging by hand.

Not a test (whether a hook is postable is a human call): run it after changing the angle
templates or the topic phrase and read the output. The headlines are those of the test
fixtures (tests/fixtures/*: RSS, YouTube, Reddit, Google Trends, CSV exports) plus the
cases reported in issue 15. Themes are assigned by a keyword rule standing in for the
classifier. Issue 15's judgement of this output: 35 of 49 post hooks postable after light
editing, 1 correct "do not post" note (see the issue note).

    .venv/bin/python benchmarks/judge_hooks.py
"""

from __future__ import annotations

import re

from trendwatch.config import parse_config, starter_text
from trendwatch.ranking.angles import template_angles
from trendwatch.ranking.safety import from_config

TITLES = [
    '40 Ucapan Selamat Hari Guru Nasional 2026 yang Menyentuh Hati',
    '5 tren audio TikTok minggu ini',
    'Agensi kecil dari Bandung menang pitch nasional',
    "Audio 'Sayang' remix koplo dipakai 40 ribu video",
    'Band folk asal Lampung umumkan tur 12 kota',
    'Behind The Scenes: Syuting Iklan Ramadan di Tengah Hujan Deras',
    'Cara Menulis Brief Kreatif yang Disukai Klien',
    'Catat Tanggalnya, Harbolnas 12.12 Digelar Serentak di Marketplace',
    'Tips audisi untuk aktor pemula',
    'Cuplikan syuting adegan hujan buatan di set kami, pakai 2 water truck',
    'Drone permits in Bali: what changed',
    'Festival Film Pelajar dibuka di Yogyakarta',
    'Film Horor "Rumah Kosong" Tembus 1 Juta Penonton dalam 5 Hari',
    'Film horor “Pintu Kedua” tembus 2 juta penonton',
    'Jadwal Tayang Rumah Kosong di Bioskop Jakarta Hari Ini',
    'Jadwal festival film pendek Desember 2026 & cara daftar (deadline 15 Des)',
    'Kampanye iklan lokal viral di Instagram Reels',
    'LIVE: Diskusi Industri Film Indonesia 2027 & Tanya Jawab',
    'Lokakarya menulis skenario untuk pemula dibuka',
    'Merek mulai siapkan iklan Ramadan 2027 lebih awal',
    'POV: jadi PA di hari pertama syuting 😅 #shorts',
    'Pemutaran film pendek di taman kota Sabtu ini',
    'Rumah produksi kecil menang Citra Pariwara',
    'Serial remaja Kelas Malam dapat musim kedua',
    'Short film grants open for Southeast Asian directors',
    'Suara hujan untuk vlog sinematik',
    'Sutradara muda raih penghargaan di Busan & Rotterdam',
    'The open-source video editor everyone switched to just hit 2.0',
    'Thread Mingguan: Film apa yang kalian tonton minggu ini?',
    'Tips Color Grading untuk Video Sinematik di HP',
    "Tren transisi 'outfit lebaran' di TikTok",
    'Video musik berlatar Toraja ditonton sejuta kali',
    'Why vertical video changed trailer editing',
    '[PREMIERE] Trailer Resmi Film Pendek "Senja di Pelabuhan"',
    'libur nataru 2026',
    'promo tiket bioskop',
    'Indonesian studio announces three streaming originals',
    'How to light a night exterior with one LED panel and a bounce',
    'Kampanye iklan brand kopi lokal angkat cerita barista',
    'Hari Batik: kreator muda pamer motif batik pesisir',
    'Tren TikTok baru bikin kreator ramai-ramai edit video transisi',
    'Should the Berlinale move to summer? Industry weighs in',
    'Is Netflix raising prices again in Asia?',
    'Sara Wijayanto bintangi film horor baru garapan sutradara muda',
    'Iklan layanan masyarakat anti-narkoba raih Citra Pariwara emas',
    'Sutradara bantah hoaks soal lokasi syuting film horor terbarunya',
    'Aktor senior Budi Santosa meninggal dunia di usia 82 tahun',
    'Gempa bumi magnitudo 6,1 guncang Cianjur, ratusan rumah rusak',
    'Open letter from filmmakers on the war in Gaza read at festival',
    'New cinema camera brings 8K raw recording to indie filmmakers',
]


def theme_of(title: str) -> str:
    low = title.lower()
    rules = [("advertising", r"iklan|kampanye|agensi|pariwara|brief|merek|pitch"),
             ("behind-the-scenes", r"syuting|color grading|kamera|camera|behind the scenes|"
              r"drone|editor|light|lokakarya|skenario|suara hujan|editing|set kami"),
             ("social-trends", r"tiktok|tren|audio|reels|viral|pov|#shorts|vertical"),
             ("local-culture", r"batik|lebaran|guru|nataru|harbolnas|toraja|band|musik")]
    return next((theme for theme, rule in rules if re.search(rule, low)), "film-industry")


def main() -> None:
    config = parse_config(starter_text())
    safety = from_config(config)
    brand = config.brand.model_dump()
    for n, title in enumerate(TITLES, 1):
        theme = config.theme(theme_of(title))
        assert theme is not None
        angle = template_angles(
            {"title": title, "source": "detik", "theme": theme.id,
              "signals": {"evidence": ["terbit 2 jam lalu"]},
              "sensitive": sorted(safety.sensitive(title))},
            theme.model_dump(), brand, limit=1)[0]
        print(f"{n:>2}. [{angle.platform} · {angle.format}] {angle.hook}")
        print(f"      <- {title}")


if __name__ == "__main__":
    main()
