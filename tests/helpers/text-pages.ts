/**
 * Printed pages whose text the tests know: 300-dpi A4 pages rendered with sharp (librsvg) in a
 * chosen font, from texts written for these tests in Azerbaijani (Latin and Cyrillic script),
 * Russian and English.
 */
import sharp from 'sharp';

export const TEXTS = {
  aze: `Milli Kitabxana ölkənin ən qədim kitab xəzinələrindən biridir. Burada əlyazmalar, xəritələr, qəzetlər və fotoşəkillər qorunur. Rəqəmsal surətlər hazırlanarkən hər səhifə diqqətlə skan edilir, yoxlanılır və saxlanılır. Oxucular kataloqda axtarış apararaq köhnə nəşrləri ekranda vərəqləyə bilərlər. Doğma dilimizdə yazılmış ağır cildlər də buradadır. Şəkillərin keyfiyyəti yüksəkdir, mətnlər isə tanınır və axtarışa açıqdır. İndi gələcək nəsillər üçün yaddaşımızı qoruyuruq.`,
  aze_cyrl: `Милли Китабхана өлкәнин ән гәдим китаб хәзинәләриндән биридир. Бурада әлјазмалар, хәритәләр, гәзетләр вә фотошәкилләр горунур. Рәгәмсал сурәтләр һазырланаркән һәр сәһифә диггәтлә скан едилир вә јохланылыр. Охуҹулар каталогда ахтарыш апарараг көһнә нәшрләри екранда вәрәгләјә биләрләр. Ҝәләҹәк нәсилләр үчүн јаддашымызы горујуруг.`,
  rus: `Национальная библиотека хранит рукописи, карты, газеты и фотографии. Каждая страница сканируется, проверяется и сохраняется в цифровом архиве. Читатели могут искать старые издания в каталоге и листать их на экране. Изображения высокого качества, а распознанный текст доступен для поиска. Мы бережём память для будущих поколений.`,
  eng: `The national library keeps manuscripts, maps, newspapers and photographs. Every page is scanned, checked and stored in the digital archive. Readers can search the catalogue for old editions and leaf through them on screen. The images are of high quality, and the recognised text can be searched. We keep our memory for the generations to come.`,
} as const;
export type TextLanguage = keyof typeof TEXTS;

export const FONTS = ['DejaVu Sans', 'DejaVu Serif'] as const;

/** Breaks text into lines of at most `width` characters, at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * An A4 page at 300 dpi (2480×3508), 12-point text (50 px) in `font`, with its resolution
 * recorded, as an LZW TIFF (or PNG). Returns the image and the text as printed (lines joined by
 * newlines). `repeat` prints the text that many times, for fuller pages.
 */
export async function textPage(
  text: string,
  opts: { font?: string; format?: 'tiff' | 'png'; repeat?: number; grain?: boolean } = {},
): Promise<{ image: Buffer; text: string }> {
  const lines = wrap(Array.from({ length: opts.repeat ?? 1 }, () => text).join(' '), 62);
  const size = 50;
  const lead = 78;
  const body = lines.map((l, i) => `<text x="230" y="${300 + i * lead}">${esc(l)}</text>`).join('\n');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2480" height="3508"><rect width="100%" height="100%" fill="#fbfaf6"/><g font-family="${opts.font ?? FONTS[0]}" font-size="${size}" fill="#1a1a1a">${body}</g></svg>`;
  const img = sharp(Buffer.from(svg)).greyscale().withMetadata({ density: 300 });
  const image =
    opts.format === 'png'
      ? await img.png().toBuffer()
      : await img.tiff({ compression: 'lzw', xres: 300 / 25.4, yres: 300 / 25.4 }).toBuffer();
  return { image, text: lines.join('\n') };
}

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[y.length]!;
}

/** Whitespace-insensitive form: NFC, runs of whitespace as one space. */
export const normalizeText = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/** Character error rate in percent: edit distance over the ground truth's length. */
export function cer(truth: string, read: string): number {
  const t = normalizeText(truth);
  return (100 * editDistance(t, normalizeText(read))) / Math.max(1, [...t].length);
}
