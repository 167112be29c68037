"""Script checks that correct langdetect where its n-grams cannot decide.

Short Han-only text shares its n-grams with Korean and Japanese (both write
Han characters too); but Korean text always has Hangul and Japanese has kana.
"""

import re

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")

# A detection of one of these is replaced by "zh" when the text has Han
# characters and none of the script the language would need.
NEEDS_SCRIPT = {"ko": HANGUL, "ja": KANA}
