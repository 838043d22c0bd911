"""Field arithmetic modulo p = 2^255 - 19 and the base-point table of the Ed25519 core:
GENERATED, do not edit.

Made by tests/tools/gen_ed25519.py. An element is a bytearray of 20 int32 limbs of 13 bits
(value = sum limb[i] * 2^(13 i), below 2^255 + 2^14). Inputs may carry limbs up to 9216; every
output has limbs 0..18 below 2^13 + 2^10 and limb 19 below 2^8, and every intermediate fits a
signed 32-bit int, so the code is exact on a 32-bit port (checked by tests/tools/viper32.py).
Calls are fmul / fadd / fsub(x, y, out) and fsq(out, x); outputs may alias inputs. Native code
in a .mpy keeps only a function's first two locals (its first two arguments) in registers, the
third register holding the module's qstr table: a product reads its two inputs 400 times and
writes its output 20 times, so the inputs come first. A square has only two pointers, and runs
faster on x64 with its output first (measured, 0.16 against 0.25 us).
"""

import micropython

_T = bytearray(160)  # 40 columns of a product


@micropython.viper
def fmul(x: ptr32, y: ptr32, r: ptr32):
    t = ptr32(_T)
    c: int = x[0] * y[0]
    t[0] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[1] + x[1] * y[0]
    t[1] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[2] + x[1] * y[1] + x[2] * y[0]
    t[2] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[3] + x[1] * y[2] + x[2] * y[1] + x[3] * y[0]
    t[3] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[4] + x[1] * y[3] + x[2] * y[2] + x[3] * y[1] + x[4] * y[0]
    t[4] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[5] + x[1] * y[4] + x[2] * y[3] + x[3] * y[2] + x[4] * y[1] + x[5] * y[0]
    t[5] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[6] + x[1] * y[5] + x[2] * y[4] + x[3] * y[3] + x[4] * y[2] + x[5] * y[1] + x[6] * y[0]
    t[6] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[7] + x[1] * y[6] + x[2] * y[5] + x[3] * y[4] + x[4] * y[3] + x[5] * y[2] + x[6] * y[1] + x[7] * y[0]
    t[7] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[8] + x[1] * y[7] + x[2] * y[6] + x[3] * y[5] + x[4] * y[4] + x[5] * y[3] + x[6] * y[2] + x[7] * y[1] + x[8] * y[0]
    t[8] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[9] + x[1] * y[8] + x[2] * y[7] + x[3] * y[6] + x[4] * y[5] + x[5] * y[4] + x[6] * y[3] + x[7] * y[2] + x[8] * y[1] + x[9] * y[0]
    t[9] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[10] + x[1] * y[9] + x[2] * y[8] + x[3] * y[7] + x[4] * y[6] + x[5] * y[5] + x[6] * y[4] + x[7] * y[3] + x[8] * y[2] + x[9] * y[1] + x[10] * y[0]
    t[10] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[11] + x[1] * y[10] + x[2] * y[9] + x[3] * y[8] + x[4] * y[7] + x[5] * y[6] + x[6] * y[5] + x[7] * y[4] + x[8] * y[3] + x[9] * y[2] + x[10] * y[1] + x[11] * y[0]
    t[11] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[12] + x[1] * y[11] + x[2] * y[10] + x[3] * y[9] + x[4] * y[8] + x[5] * y[7] + x[6] * y[6] + x[7] * y[5] + x[8] * y[4] + x[9] * y[3] + x[10] * y[2] + x[11] * y[1] + x[12] * y[0]
    t[12] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[13] + x[1] * y[12] + x[2] * y[11] + x[3] * y[10] + x[4] * y[9] + x[5] * y[8] + x[6] * y[7] + x[7] * y[6] + x[8] * y[5] + x[9] * y[4] + x[10] * y[3] + x[11] * y[2] + x[12] * y[1] + x[13] * y[0]
    t[13] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[14] + x[1] * y[13] + x[2] * y[12] + x[3] * y[11] + x[4] * y[10] + x[5] * y[9] + x[6] * y[8] + x[7] * y[7] + x[8] * y[6] + x[9] * y[5] + x[10] * y[4] + x[11] * y[3] + x[12] * y[2] + x[13] * y[1] + x[14] * y[0]
    t[14] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[15] + x[1] * y[14] + x[2] * y[13] + x[3] * y[12] + x[4] * y[11] + x[5] * y[10] + x[6] * y[9] + x[7] * y[8] + x[8] * y[7] + x[9] * y[6] + x[10] * y[5] + x[11] * y[4] + x[12] * y[3] + x[13] * y[2] + x[14] * y[1] + x[15] * y[0]
    t[15] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[16] + x[1] * y[15] + x[2] * y[14] + x[3] * y[13] + x[4] * y[12] + x[5] * y[11] + x[6] * y[10] + x[7] * y[9] + x[8] * y[8] + x[9] * y[7] + x[10] * y[6] + x[11] * y[5] + x[12] * y[4] + x[13] * y[3] + x[14] * y[2] + x[15] * y[1] + x[16] * y[0]
    t[16] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[17] + x[1] * y[16] + x[2] * y[15] + x[3] * y[14] + x[4] * y[13] + x[5] * y[12] + x[6] * y[11] + x[7] * y[10] + x[8] * y[9] + x[9] * y[8] + x[10] * y[7] + x[11] * y[6] + x[12] * y[5] + x[13] * y[4] + x[14] * y[3] + x[15] * y[2] + x[16] * y[1] + x[17] * y[0]
    t[17] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[18] + x[1] * y[17] + x[2] * y[16] + x[3] * y[15] + x[4] * y[14] + x[5] * y[13] + x[6] * y[12] + x[7] * y[11] + x[8] * y[10] + x[9] * y[9] + x[10] * y[8] + x[11] * y[7] + x[12] * y[6] + x[13] * y[5] + x[14] * y[4] + x[15] * y[3] + x[16] * y[2] + x[17] * y[1] + x[18] * y[0]
    t[18] = c & 0x1FFF
    c = (c >> 13) + x[0] * y[19] + x[1] * y[18] + x[2] * y[17] + x[3] * y[16] + x[4] * y[15] + x[5] * y[14] + x[6] * y[13] + x[7] * y[12] + x[8] * y[11] + x[9] * y[10] + x[10] * y[9] + x[11] * y[8] + x[12] * y[7] + x[13] * y[6] + x[14] * y[5] + x[15] * y[4] + x[16] * y[3] + x[17] * y[2] + x[18] * y[1] + x[19] * y[0]
    t[19] = c & 0x1FFF
    c = (c >> 13) + x[1] * y[19] + x[2] * y[18] + x[3] * y[17] + x[4] * y[16] + x[5] * y[15] + x[6] * y[14] + x[7] * y[13] + x[8] * y[12] + x[9] * y[11] + x[10] * y[10] + x[11] * y[9] + x[12] * y[8] + x[13] * y[7] + x[14] * y[6] + x[15] * y[5] + x[16] * y[4] + x[17] * y[3] + x[18] * y[2] + x[19] * y[1]
    t[20] = c & 0x1FFF
    c = (c >> 13) + x[2] * y[19] + x[3] * y[18] + x[4] * y[17] + x[5] * y[16] + x[6] * y[15] + x[7] * y[14] + x[8] * y[13] + x[9] * y[12] + x[10] * y[11] + x[11] * y[10] + x[12] * y[9] + x[13] * y[8] + x[14] * y[7] + x[15] * y[6] + x[16] * y[5] + x[17] * y[4] + x[18] * y[3] + x[19] * y[2]
    t[21] = c & 0x1FFF
    c = (c >> 13) + x[3] * y[19] + x[4] * y[18] + x[5] * y[17] + x[6] * y[16] + x[7] * y[15] + x[8] * y[14] + x[9] * y[13] + x[10] * y[12] + x[11] * y[11] + x[12] * y[10] + x[13] * y[9] + x[14] * y[8] + x[15] * y[7] + x[16] * y[6] + x[17] * y[5] + x[18] * y[4] + x[19] * y[3]
    t[22] = c & 0x1FFF
    c = (c >> 13) + x[4] * y[19] + x[5] * y[18] + x[6] * y[17] + x[7] * y[16] + x[8] * y[15] + x[9] * y[14] + x[10] * y[13] + x[11] * y[12] + x[12] * y[11] + x[13] * y[10] + x[14] * y[9] + x[15] * y[8] + x[16] * y[7] + x[17] * y[6] + x[18] * y[5] + x[19] * y[4]
    t[23] = c & 0x1FFF
    c = (c >> 13) + x[5] * y[19] + x[6] * y[18] + x[7] * y[17] + x[8] * y[16] + x[9] * y[15] + x[10] * y[14] + x[11] * y[13] + x[12] * y[12] + x[13] * y[11] + x[14] * y[10] + x[15] * y[9] + x[16] * y[8] + x[17] * y[7] + x[18] * y[6] + x[19] * y[5]
    t[24] = c & 0x1FFF
    c = (c >> 13) + x[6] * y[19] + x[7] * y[18] + x[8] * y[17] + x[9] * y[16] + x[10] * y[15] + x[11] * y[14] + x[12] * y[13] + x[13] * y[12] + x[14] * y[11] + x[15] * y[10] + x[16] * y[9] + x[17] * y[8] + x[18] * y[7] + x[19] * y[6]
    t[25] = c & 0x1FFF
    c = (c >> 13) + x[7] * y[19] + x[8] * y[18] + x[9] * y[17] + x[10] * y[16] + x[11] * y[15] + x[12] * y[14] + x[13] * y[13] + x[14] * y[12] + x[15] * y[11] + x[16] * y[10] + x[17] * y[9] + x[18] * y[8] + x[19] * y[7]
    t[26] = c & 0x1FFF
    c = (c >> 13) + x[8] * y[19] + x[9] * y[18] + x[10] * y[17] + x[11] * y[16] + x[12] * y[15] + x[13] * y[14] + x[14] * y[13] + x[15] * y[12] + x[16] * y[11] + x[17] * y[10] + x[18] * y[9] + x[19] * y[8]
    t[27] = c & 0x1FFF
    c = (c >> 13) + x[9] * y[19] + x[10] * y[18] + x[11] * y[17] + x[12] * y[16] + x[13] * y[15] + x[14] * y[14] + x[15] * y[13] + x[16] * y[12] + x[17] * y[11] + x[18] * y[10] + x[19] * y[9]
    t[28] = c & 0x1FFF
    c = (c >> 13) + x[10] * y[19] + x[11] * y[18] + x[12] * y[17] + x[13] * y[16] + x[14] * y[15] + x[15] * y[14] + x[16] * y[13] + x[17] * y[12] + x[18] * y[11] + x[19] * y[10]
    t[29] = c & 0x1FFF
    c = (c >> 13) + x[11] * y[19] + x[12] * y[18] + x[13] * y[17] + x[14] * y[16] + x[15] * y[15] + x[16] * y[14] + x[17] * y[13] + x[18] * y[12] + x[19] * y[11]
    t[30] = c & 0x1FFF
    c = (c >> 13) + x[12] * y[19] + x[13] * y[18] + x[14] * y[17] + x[15] * y[16] + x[16] * y[15] + x[17] * y[14] + x[18] * y[13] + x[19] * y[12]
    t[31] = c & 0x1FFF
    c = (c >> 13) + x[13] * y[19] + x[14] * y[18] + x[15] * y[17] + x[16] * y[16] + x[17] * y[15] + x[18] * y[14] + x[19] * y[13]
    t[32] = c & 0x1FFF
    c = (c >> 13) + x[14] * y[19] + x[15] * y[18] + x[16] * y[17] + x[17] * y[16] + x[18] * y[15] + x[19] * y[14]
    t[33] = c & 0x1FFF
    c = (c >> 13) + x[15] * y[19] + x[16] * y[18] + x[17] * y[17] + x[18] * y[16] + x[19] * y[15]
    t[34] = c & 0x1FFF
    c = (c >> 13) + x[16] * y[19] + x[17] * y[18] + x[18] * y[17] + x[19] * y[16]
    t[35] = c & 0x1FFF
    c = (c >> 13) + x[17] * y[19] + x[18] * y[18] + x[19] * y[17]
    t[36] = c & 0x1FFF
    c = (c >> 13) + x[18] * y[19] + x[19] * y[18]
    t[37] = c & 0x1FFF
    c = (c >> 13) + x[19] * y[19]
    t[38] = c & 0x1FFF
    t[39] = c >> 13
    c = t[0] + t[20] * 608
    r[0] = c & 0x1FFF
    c = (c >> 13) + t[1] + t[21] * 608
    r[1] = c & 0x1FFF
    c = (c >> 13) + t[2] + t[22] * 608
    r[2] = c & 0x1FFF
    c = (c >> 13) + t[3] + t[23] * 608
    r[3] = c & 0x1FFF
    c = (c >> 13) + t[4] + t[24] * 608
    r[4] = c & 0x1FFF
    c = (c >> 13) + t[5] + t[25] * 608
    r[5] = c & 0x1FFF
    c = (c >> 13) + t[6] + t[26] * 608
    r[6] = c & 0x1FFF
    c = (c >> 13) + t[7] + t[27] * 608
    r[7] = c & 0x1FFF
    c = (c >> 13) + t[8] + t[28] * 608
    r[8] = c & 0x1FFF
    c = (c >> 13) + t[9] + t[29] * 608
    r[9] = c & 0x1FFF
    c = (c >> 13) + t[10] + t[30] * 608
    r[10] = c & 0x1FFF
    c = (c >> 13) + t[11] + t[31] * 608
    r[11] = c & 0x1FFF
    c = (c >> 13) + t[12] + t[32] * 608
    r[12] = c & 0x1FFF
    c = (c >> 13) + t[13] + t[33] * 608
    r[13] = c & 0x1FFF
    c = (c >> 13) + t[14] + t[34] * 608
    r[14] = c & 0x1FFF
    c = (c >> 13) + t[15] + t[35] * 608
    r[15] = c & 0x1FFF
    c = (c >> 13) + t[16] + t[36] * 608
    r[16] = c & 0x1FFF
    c = (c >> 13) + t[17] + t[37] * 608
    r[17] = c & 0x1FFF
    c = (c >> 13) + t[18] + t[38] * 608
    r[18] = c & 0x1FFF
    c = (c >> 13) + t[19] + t[39] * 608
    r[19] = c & 0xFF
    c = r[0] + (c >> 8) * 19
    r[0] = c & 0x1FFF
    r[1] = r[1] + (c >> 13)


@micropython.viper
def fsq(r: ptr32, x: ptr32):
    t = ptr32(_T)
    c: int = x[0] * x[0]
    t[0] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[1]) << 1)
    t[1] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[2]) << 1) + x[1] * x[1]
    t[2] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[3] + x[1] * x[2]) << 1)
    t[3] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[4] + x[1] * x[3]) << 1) + x[2] * x[2]
    t[4] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[5] + x[1] * x[4] + x[2] * x[3]) << 1)
    t[5] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[6] + x[1] * x[5] + x[2] * x[4]) << 1) + x[3] * x[3]
    t[6] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[7] + x[1] * x[6] + x[2] * x[5] + x[3] * x[4]) << 1)
    t[7] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[8] + x[1] * x[7] + x[2] * x[6] + x[3] * x[5]) << 1) + x[4] * x[4]
    t[8] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[9] + x[1] * x[8] + x[2] * x[7] + x[3] * x[6] + x[4] * x[5]) << 1)
    t[9] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[10] + x[1] * x[9] + x[2] * x[8] + x[3] * x[7] + x[4] * x[6]) << 1) + x[5] * x[5]
    t[10] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[11] + x[1] * x[10] + x[2] * x[9] + x[3] * x[8] + x[4] * x[7] + x[5] * x[6]) << 1)
    t[11] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[12] + x[1] * x[11] + x[2] * x[10] + x[3] * x[9] + x[4] * x[8] + x[5] * x[7]) << 1) + x[6] * x[6]
    t[12] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[13] + x[1] * x[12] + x[2] * x[11] + x[3] * x[10] + x[4] * x[9] + x[5] * x[8] + x[6] * x[7]) << 1)
    t[13] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[14] + x[1] * x[13] + x[2] * x[12] + x[3] * x[11] + x[4] * x[10] + x[5] * x[9] + x[6] * x[8]) << 1) + x[7] * x[7]
    t[14] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[15] + x[1] * x[14] + x[2] * x[13] + x[3] * x[12] + x[4] * x[11] + x[5] * x[10] + x[6] * x[9] + x[7] * x[8]) << 1)
    t[15] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[16] + x[1] * x[15] + x[2] * x[14] + x[3] * x[13] + x[4] * x[12] + x[5] * x[11] + x[6] * x[10] + x[7] * x[9]) << 1) + x[8] * x[8]
    t[16] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[17] + x[1] * x[16] + x[2] * x[15] + x[3] * x[14] + x[4] * x[13] + x[5] * x[12] + x[6] * x[11] + x[7] * x[10] + x[8] * x[9]) << 1)
    t[17] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[18] + x[1] * x[17] + x[2] * x[16] + x[3] * x[15] + x[4] * x[14] + x[5] * x[13] + x[6] * x[12] + x[7] * x[11] + x[8] * x[10]) << 1) + x[9] * x[9]
    t[18] = c & 0x1FFF
    c = (c >> 13) + ((x[0] * x[19] + x[1] * x[18] + x[2] * x[17] + x[3] * x[16] + x[4] * x[15] + x[5] * x[14] + x[6] * x[13] + x[7] * x[12] + x[8] * x[11] + x[9] * x[10]) << 1)
    t[19] = c & 0x1FFF
    c = (c >> 13) + ((x[1] * x[19] + x[2] * x[18] + x[3] * x[17] + x[4] * x[16] + x[5] * x[15] + x[6] * x[14] + x[7] * x[13] + x[8] * x[12] + x[9] * x[11]) << 1) + x[10] * x[10]
    t[20] = c & 0x1FFF
    c = (c >> 13) + ((x[2] * x[19] + x[3] * x[18] + x[4] * x[17] + x[5] * x[16] + x[6] * x[15] + x[7] * x[14] + x[8] * x[13] + x[9] * x[12] + x[10] * x[11]) << 1)
    t[21] = c & 0x1FFF
    c = (c >> 13) + ((x[3] * x[19] + x[4] * x[18] + x[5] * x[17] + x[6] * x[16] + x[7] * x[15] + x[8] * x[14] + x[9] * x[13] + x[10] * x[12]) << 1) + x[11] * x[11]
    t[22] = c & 0x1FFF
    c = (c >> 13) + ((x[4] * x[19] + x[5] * x[18] + x[6] * x[17] + x[7] * x[16] + x[8] * x[15] + x[9] * x[14] + x[10] * x[13] + x[11] * x[12]) << 1)
    t[23] = c & 0x1FFF
    c = (c >> 13) + ((x[5] * x[19] + x[6] * x[18] + x[7] * x[17] + x[8] * x[16] + x[9] * x[15] + x[10] * x[14] + x[11] * x[13]) << 1) + x[12] * x[12]
    t[24] = c & 0x1FFF
    c = (c >> 13) + ((x[6] * x[19] + x[7] * x[18] + x[8] * x[17] + x[9] * x[16] + x[10] * x[15] + x[11] * x[14] + x[12] * x[13]) << 1)
    t[25] = c & 0x1FFF
    c = (c >> 13) + ((x[7] * x[19] + x[8] * x[18] + x[9] * x[17] + x[10] * x[16] + x[11] * x[15] + x[12] * x[14]) << 1) + x[13] * x[13]
    t[26] = c & 0x1FFF
    c = (c >> 13) + ((x[8] * x[19] + x[9] * x[18] + x[10] * x[17] + x[11] * x[16] + x[12] * x[15] + x[13] * x[14]) << 1)
    t[27] = c & 0x1FFF
    c = (c >> 13) + ((x[9] * x[19] + x[10] * x[18] + x[11] * x[17] + x[12] * x[16] + x[13] * x[15]) << 1) + x[14] * x[14]
    t[28] = c & 0x1FFF
    c = (c >> 13) + ((x[10] * x[19] + x[11] * x[18] + x[12] * x[17] + x[13] * x[16] + x[14] * x[15]) << 1)
    t[29] = c & 0x1FFF
    c = (c >> 13) + ((x[11] * x[19] + x[12] * x[18] + x[13] * x[17] + x[14] * x[16]) << 1) + x[15] * x[15]
    t[30] = c & 0x1FFF
    c = (c >> 13) + ((x[12] * x[19] + x[13] * x[18] + x[14] * x[17] + x[15] * x[16]) << 1)
    t[31] = c & 0x1FFF
    c = (c >> 13) + ((x[13] * x[19] + x[14] * x[18] + x[15] * x[17]) << 1) + x[16] * x[16]
    t[32] = c & 0x1FFF
    c = (c >> 13) + ((x[14] * x[19] + x[15] * x[18] + x[16] * x[17]) << 1)
    t[33] = c & 0x1FFF
    c = (c >> 13) + ((x[15] * x[19] + x[16] * x[18]) << 1) + x[17] * x[17]
    t[34] = c & 0x1FFF
    c = (c >> 13) + ((x[16] * x[19] + x[17] * x[18]) << 1)
    t[35] = c & 0x1FFF
    c = (c >> 13) + ((x[17] * x[19]) << 1) + x[18] * x[18]
    t[36] = c & 0x1FFF
    c = (c >> 13) + ((x[18] * x[19]) << 1)
    t[37] = c & 0x1FFF
    c = (c >> 13) + x[19] * x[19]
    t[38] = c & 0x1FFF
    t[39] = c >> 13
    c = t[0] + t[20] * 608
    r[0] = c & 0x1FFF
    c = (c >> 13) + t[1] + t[21] * 608
    r[1] = c & 0x1FFF
    c = (c >> 13) + t[2] + t[22] * 608
    r[2] = c & 0x1FFF
    c = (c >> 13) + t[3] + t[23] * 608
    r[3] = c & 0x1FFF
    c = (c >> 13) + t[4] + t[24] * 608
    r[4] = c & 0x1FFF
    c = (c >> 13) + t[5] + t[25] * 608
    r[5] = c & 0x1FFF
    c = (c >> 13) + t[6] + t[26] * 608
    r[6] = c & 0x1FFF
    c = (c >> 13) + t[7] + t[27] * 608
    r[7] = c & 0x1FFF
    c = (c >> 13) + t[8] + t[28] * 608
    r[8] = c & 0x1FFF
    c = (c >> 13) + t[9] + t[29] * 608
    r[9] = c & 0x1FFF
    c = (c >> 13) + t[10] + t[30] * 608
    r[10] = c & 0x1FFF
    c = (c >> 13) + t[11] + t[31] * 608
    r[11] = c & 0x1FFF
    c = (c >> 13) + t[12] + t[32] * 608
    r[12] = c & 0x1FFF
    c = (c >> 13) + t[13] + t[33] * 608
    r[13] = c & 0x1FFF
    c = (c >> 13) + t[14] + t[34] * 608
    r[14] = c & 0x1FFF
    c = (c >> 13) + t[15] + t[35] * 608
    r[15] = c & 0x1FFF
    c = (c >> 13) + t[16] + t[36] * 608
    r[16] = c & 0x1FFF
    c = (c >> 13) + t[17] + t[37] * 608
    r[17] = c & 0x1FFF
    c = (c >> 13) + t[18] + t[38] * 608
    r[18] = c & 0x1FFF
    c = (c >> 13) + t[19] + t[39] * 608
    r[19] = c & 0xFF
    c = r[0] + (c >> 8) * 19
    r[0] = c & 0x1FFF
    r[1] = r[1] + (c >> 13)


@micropython.viper
def fadd(x: ptr32, y: ptr32, r: ptr32):
    c: int = x[0] + y[0]
    r[0] = c & 0x1FFF
    c = (c >> 13) + x[1] + y[1]
    r[1] = c & 0x1FFF
    c = (c >> 13) + x[2] + y[2]
    r[2] = c & 0x1FFF
    c = (c >> 13) + x[3] + y[3]
    r[3] = c & 0x1FFF
    c = (c >> 13) + x[4] + y[4]
    r[4] = c & 0x1FFF
    c = (c >> 13) + x[5] + y[5]
    r[5] = c & 0x1FFF
    c = (c >> 13) + x[6] + y[6]
    r[6] = c & 0x1FFF
    c = (c >> 13) + x[7] + y[7]
    r[7] = c & 0x1FFF
    c = (c >> 13) + x[8] + y[8]
    r[8] = c & 0x1FFF
    c = (c >> 13) + x[9] + y[9]
    r[9] = c & 0x1FFF
    c = (c >> 13) + x[10] + y[10]
    r[10] = c & 0x1FFF
    c = (c >> 13) + x[11] + y[11]
    r[11] = c & 0x1FFF
    c = (c >> 13) + x[12] + y[12]
    r[12] = c & 0x1FFF
    c = (c >> 13) + x[13] + y[13]
    r[13] = c & 0x1FFF
    c = (c >> 13) + x[14] + y[14]
    r[14] = c & 0x1FFF
    c = (c >> 13) + x[15] + y[15]
    r[15] = c & 0x1FFF
    c = (c >> 13) + x[16] + y[16]
    r[16] = c & 0x1FFF
    c = (c >> 13) + x[17] + y[17]
    r[17] = c & 0x1FFF
    c = (c >> 13) + x[18] + y[18]
    r[18] = c & 0x1FFF
    c = (c >> 13) + x[19] + y[19]
    r[19] = c & 0xFF
    c = r[0] + (c >> 8) * 19
    r[0] = c & 0x1FFF
    r[1] = r[1] + (c >> 13)


@micropython.viper
def fsub(x: ptr32, y: ptr32, r: ptr32):
    c: int = x[0] + 15168 - y[0]
    r[0] = c & 0x1FFF
    c = (c >> 13) + x[1] + 16382 - y[1]
    r[1] = c & 0x1FFF
    c = (c >> 13) + x[2] + 16382 - y[2]
    r[2] = c & 0x1FFF
    c = (c >> 13) + x[3] + 16382 - y[3]
    r[3] = c & 0x1FFF
    c = (c >> 13) + x[4] + 16382 - y[4]
    r[4] = c & 0x1FFF
    c = (c >> 13) + x[5] + 16382 - y[5]
    r[5] = c & 0x1FFF
    c = (c >> 13) + x[6] + 16382 - y[6]
    r[6] = c & 0x1FFF
    c = (c >> 13) + x[7] + 16382 - y[7]
    r[7] = c & 0x1FFF
    c = (c >> 13) + x[8] + 16382 - y[8]
    r[8] = c & 0x1FFF
    c = (c >> 13) + x[9] + 16382 - y[9]
    r[9] = c & 0x1FFF
    c = (c >> 13) + x[10] + 16382 - y[10]
    r[10] = c & 0x1FFF
    c = (c >> 13) + x[11] + 16382 - y[11]
    r[11] = c & 0x1FFF
    c = (c >> 13) + x[12] + 16382 - y[12]
    r[12] = c & 0x1FFF
    c = (c >> 13) + x[13] + 16382 - y[13]
    r[13] = c & 0x1FFF
    c = (c >> 13) + x[14] + 16382 - y[14]
    r[14] = c & 0x1FFF
    c = (c >> 13) + x[15] + 16382 - y[15]
    r[15] = c & 0x1FFF
    c = (c >> 13) + x[16] + 16382 - y[16]
    r[16] = c & 0x1FFF
    c = (c >> 13) + x[17] + 16382 - y[17]
    r[17] = c & 0x1FFF
    c = (c >> 13) + x[18] + 16382 - y[18]
    r[18] = c & 0x1FFF
    c = (c >> 13) + x[19] + 16382 - y[19]
    r[19] = c & 0xFF
    c = r[0] + (c >> 8) * 19
    r[0] = c & 0x1FFF
    r[1] = r[1] + (c >> 13)


@micropython.viper
def pick(t: ptr32, o: ptr32, pre: ptr32, base: int, e: int):
    """pre (3 elements) = e * (the point of the table row at word base), e in -8..8, in
    constant time: every word of the row's eight entries is read and the wanted one kept
    by a mask ((|e| ^ k) - 1) >> 31 (e = 0 gives the identity, (1, 1, 0)); a negative e
    then swaps y+x and y-x and negates 2d*x*y under the mask e >> 31. o is 96 bytes of
    scratch (the picked words)."""
    s: int = e >> 31
    a: int = (e ^ s) - s
    m: int = ((a - 1) >> 31) & 1
    o[0] = m
    o[1] = 0
    o[2] = 0
    o[3] = 0
    o[4] = 0
    o[5] = 0
    o[6] = 0
    o[7] = 0
    o[8] = m
    o[9] = 0
    o[10] = 0
    o[11] = 0
    o[12] = 0
    o[13] = 0
    o[14] = 0
    o[15] = 0
    o[16] = 0
    o[17] = 0
    o[18] = 0
    o[19] = 0
    o[20] = 0
    o[21] = 0
    o[22] = 0
    o[23] = 0
    k: int = 1
    while k <= 8:
        m = ((a ^ k) - 1) >> 31
        o[0] = o[0] | (t[base] & m)
        o[1] = o[1] | (t[base + 1] & m)
        o[2] = o[2] | (t[base + 2] & m)
        o[3] = o[3] | (t[base + 3] & m)
        o[4] = o[4] | (t[base + 4] & m)
        o[5] = o[5] | (t[base + 5] & m)
        o[6] = o[6] | (t[base + 6] & m)
        o[7] = o[7] | (t[base + 7] & m)
        o[8] = o[8] | (t[base + 8] & m)
        o[9] = o[9] | (t[base + 9] & m)
        o[10] = o[10] | (t[base + 10] & m)
        o[11] = o[11] | (t[base + 11] & m)
        o[12] = o[12] | (t[base + 12] & m)
        o[13] = o[13] | (t[base + 13] & m)
        o[14] = o[14] | (t[base + 14] & m)
        o[15] = o[15] | (t[base + 15] & m)
        o[16] = o[16] | (t[base + 16] & m)
        o[17] = o[17] | (t[base + 17] & m)
        o[18] = o[18] | (t[base + 18] & m)
        o[19] = o[19] | (t[base + 19] & m)
        o[20] = o[20] | (t[base + 20] & m)
        o[21] = o[21] | (t[base + 21] & m)
        o[22] = o[22] | (t[base + 22] & m)
        o[23] = o[23] | (t[base + 23] & m)
        base += 24
        k += 1
    w: int = 0
    w = (o[0] ^ o[8]) & s
    o[0] = o[0] ^ w
    o[8] = o[8] ^ w
    w = (o[1] ^ o[9]) & s
    o[1] = o[1] ^ w
    o[9] = o[9] ^ w
    w = (o[2] ^ o[10]) & s
    o[2] = o[2] ^ w
    o[10] = o[10] ^ w
    w = (o[3] ^ o[11]) & s
    o[3] = o[3] ^ w
    o[11] = o[11] ^ w
    w = (o[4] ^ o[12]) & s
    o[4] = o[4] ^ w
    o[12] = o[12] ^ w
    w = (o[5] ^ o[13]) & s
    o[5] = o[5] ^ w
    o[13] = o[13] ^ w
    w = (o[6] ^ o[14]) & s
    o[6] = o[6] ^ w
    o[14] = o[14] ^ w
    w = (o[7] ^ o[15]) & s
    o[7] = o[7] ^ w
    o[15] = o[15] ^ w
    h = ptr16(o)
    pre[0] = h[0] & 0x1FFF
    pre[1] = ((h[0] >> 13) | (h[1] << 3)) & 0x1FFF
    pre[2] = ((h[1] >> 10) | (h[2] << 6)) & 0x1FFF
    pre[3] = ((h[2] >> 7) | (h[3] << 9)) & 0x1FFF
    pre[4] = ((h[3] >> 4) | (h[4] << 12)) & 0x1FFF
    pre[5] = (h[4] >> 1) & 0x1FFF
    pre[6] = ((h[4] >> 14) | (h[5] << 2)) & 0x1FFF
    pre[7] = ((h[5] >> 11) | (h[6] << 5)) & 0x1FFF
    pre[8] = ((h[6] >> 8) | (h[7] << 8)) & 0x1FFF
    pre[9] = ((h[7] >> 5) | (h[8] << 11)) & 0x1FFF
    pre[10] = (h[8] >> 2) & 0x1FFF
    pre[11] = ((h[8] >> 15) | (h[9] << 1)) & 0x1FFF
    pre[12] = ((h[9] >> 12) | (h[10] << 4)) & 0x1FFF
    pre[13] = ((h[10] >> 9) | (h[11] << 7)) & 0x1FFF
    pre[14] = ((h[11] >> 6) | (h[12] << 10)) & 0x1FFF
    pre[15] = (h[12] >> 3) & 0x1FFF
    pre[16] = h[13] & 0x1FFF
    pre[17] = ((h[13] >> 13) | (h[14] << 3)) & 0x1FFF
    pre[18] = ((h[14] >> 10) | (h[15] << 6)) & 0x1FFF
    pre[19] = (h[15] >> 7) & 0xFF
    pre[20] = h[16] & 0x1FFF
    pre[21] = ((h[16] >> 13) | (h[17] << 3)) & 0x1FFF
    pre[22] = ((h[17] >> 10) | (h[18] << 6)) & 0x1FFF
    pre[23] = ((h[18] >> 7) | (h[19] << 9)) & 0x1FFF
    pre[24] = ((h[19] >> 4) | (h[20] << 12)) & 0x1FFF
    pre[25] = (h[20] >> 1) & 0x1FFF
    pre[26] = ((h[20] >> 14) | (h[21] << 2)) & 0x1FFF
    pre[27] = ((h[21] >> 11) | (h[22] << 5)) & 0x1FFF
    pre[28] = ((h[22] >> 8) | (h[23] << 8)) & 0x1FFF
    pre[29] = ((h[23] >> 5) | (h[24] << 11)) & 0x1FFF
    pre[30] = (h[24] >> 2) & 0x1FFF
    pre[31] = ((h[24] >> 15) | (h[25] << 1)) & 0x1FFF
    pre[32] = ((h[25] >> 12) | (h[26] << 4)) & 0x1FFF
    pre[33] = ((h[26] >> 9) | (h[27] << 7)) & 0x1FFF
    pre[34] = ((h[27] >> 6) | (h[28] << 10)) & 0x1FFF
    pre[35] = (h[28] >> 3) & 0x1FFF
    pre[36] = h[29] & 0x1FFF
    pre[37] = ((h[29] >> 13) | (h[30] << 3)) & 0x1FFF
    pre[38] = ((h[30] >> 10) | (h[31] << 6)) & 0x1FFF
    pre[39] = (h[31] >> 7) & 0xFF
    pre[40] = h[32] & 0x1FFF
    pre[41] = ((h[32] >> 13) | (h[33] << 3)) & 0x1FFF
    pre[42] = ((h[33] >> 10) | (h[34] << 6)) & 0x1FFF
    pre[43] = ((h[34] >> 7) | (h[35] << 9)) & 0x1FFF
    pre[44] = ((h[35] >> 4) | (h[36] << 12)) & 0x1FFF
    pre[45] = (h[36] >> 1) & 0x1FFF
    pre[46] = ((h[36] >> 14) | (h[37] << 2)) & 0x1FFF
    pre[47] = ((h[37] >> 11) | (h[38] << 5)) & 0x1FFF
    pre[48] = ((h[38] >> 8) | (h[39] << 8)) & 0x1FFF
    pre[49] = ((h[39] >> 5) | (h[40] << 11)) & 0x1FFF
    pre[50] = (h[40] >> 2) & 0x1FFF
    pre[51] = ((h[40] >> 15) | (h[41] << 1)) & 0x1FFF
    pre[52] = ((h[41] >> 12) | (h[42] << 4)) & 0x1FFF
    pre[53] = ((h[42] >> 9) | (h[43] << 7)) & 0x1FFF
    pre[54] = ((h[43] >> 6) | (h[44] << 10)) & 0x1FFF
    pre[55] = (h[44] >> 3) & 0x1FFF
    pre[56] = h[45] & 0x1FFF
    pre[57] = ((h[45] >> 13) | (h[46] << 3)) & 0x1FFF
    pre[58] = ((h[46] >> 10) | (h[47] << 6)) & 0x1FFF
    pre[59] = (h[47] >> 7) & 0xFF
    c: int = 15168 - pre[40]
    o[0] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[41]
    o[1] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[42]
    o[2] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[43]
    o[3] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[44]
    o[4] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[45]
    o[5] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[46]
    o[6] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[47]
    o[7] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[48]
    o[8] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[49]
    o[9] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[50]
    o[10] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[51]
    o[11] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[52]
    o[12] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[53]
    o[13] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[54]
    o[14] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[55]
    o[15] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[56]
    o[16] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[57]
    o[17] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[58]
    o[18] = c & 0x1FFF
    c = (c >> 13) + 16382 - pre[59]
    o[19] = c & 0xFF
    c = o[0] + (c >> 8) * 19
    o[0] = c & 0x1FFF
    o[1] = o[1] + (c >> 13)
    pre[40] = pre[40] ^ ((pre[40] ^ o[0]) & s)
    pre[41] = pre[41] ^ ((pre[41] ^ o[1]) & s)
    pre[42] = pre[42] ^ ((pre[42] ^ o[2]) & s)
    pre[43] = pre[43] ^ ((pre[43] ^ o[3]) & s)
    pre[44] = pre[44] ^ ((pre[44] ^ o[4]) & s)
    pre[45] = pre[45] ^ ((pre[45] ^ o[5]) & s)
    pre[46] = pre[46] ^ ((pre[46] ^ o[6]) & s)
    pre[47] = pre[47] ^ ((pre[47] ^ o[7]) & s)
    pre[48] = pre[48] ^ ((pre[48] ^ o[8]) & s)
    pre[49] = pre[49] ^ ((pre[49] ^ o[9]) & s)
    pre[50] = pre[50] ^ ((pre[50] ^ o[10]) & s)
    pre[51] = pre[51] ^ ((pre[51] ^ o[11]) & s)
    pre[52] = pre[52] ^ ((pre[52] ^ o[12]) & s)
    pre[53] = pre[53] ^ ((pre[53] ^ o[13]) & s)
    pre[54] = pre[54] ^ ((pre[54] ^ o[14]) & s)
    pre[55] = pre[55] ^ ((pre[55] ^ o[15]) & s)
    pre[56] = pre[56] ^ ((pre[56] ^ o[16]) & s)
    pre[57] = pre[57] ^ ((pre[57] ^ o[17]) & s)
    pre[58] = pre[58] ^ ((pre[58] ^ o[18]) & s)
    pre[59] = pre[59] ^ ((pre[59] ^ o[19]) & s)


# Base-point table: entry (row j, k = 1..8) is k * 16^(8j) * B as y+x, y-x,
# 2d*x*y (32-byte little-endian field elements), 96 bytes; rows of 8 entries, 8 rows.
TABLE = (
    b"\x85;\x8c\xf5\xc6\x93\xbc/\x19\x0e\x8c\xfb\xc6-\x93\xcf\xc2B=d\x98H\x0b'e\xba\xd43:\x9d\xcf\x07>\x91@\xd7\x059\x10\x9d\xb3\xbe@\xd1\x05\x9f9\xfd"
    b'\t\x8a\x8fh4\x84\xc1\xa5g\x12\xf8\x98\x92/\xfdDh\xaaz\x87\x05\x12\xc9\xab\x9e\xc4\xaa\xcc#\xe8\xd9&\x8cYC\xdd\xcb}\x1bZ\xa8e\x0c\x9fh{\x11o'
    b'\xd7q<\x93\xfc\xe7$\x92\xb5\xf5\x0fz\x96\x9dF\x9f\x02\x07\xd6\xe1e\x9a\xa6Z..}\xa8?\x06\x0cY\xa8\xd5\xb4B`\xa5\x99\x8a\xf6\xac`N\x0c\x81+\x8f'
    b'\xaa7n\xb1k#\x9e\xe0U%\xc9i\xa6\x95\xb5k_z\x9b\xa5\xb3\xa8\xfaCx\xcf\x9a]\xddk\xc161j=\x0b\x84\xa0\x0fPs\x0b\xa5>\xb1\xf5\x1ap'
    b'0\x97\xeeL\xa8\xb0%\xaf\x8aK\x86\xe80\x84Z\x022g\x01\x9f\x02P\x1b\xc1\xf4\xf8\x80\x9a\x1bN\x16ze\xd2\xfc\xa4\xe8\x1faV}\xba\xc1\xe5\xfdS\xd3;'
    b'\xbd\xd6K!\x1a\xf31\x81b\xda[U\x87\x15\xb9*\x89\xd8\xd0\r?\x93\xae\x14b\xda5\x1c"#\x94XL\xdb\xf2\x8cE\xe5p\xd1\xc6\xb4\xb9\x12\xaf&(Z'
    b"\x9f\t\xfc\x8e\xb9Qs(8%\xfd}\xf4\xc6ege\x92\n\xfb=\x8d4\xca'\x87\xe5!\x03\x91\x0eh\xbf\x18h\x05\n\x05\xfe\x95\xa9\xfa`Vq\x89~2"
    b"sP\xa0\x06\xcd\xe3\xe8\xc3\x9a\xa4EtL?\x93'\t\xffv\xc4\xe9\xfb\x13Zr\xc1\\{E9\x9en\x94D+\x10\xf9\xdc\xdb]+>Uc\xbf\x0c\x9d\x7f"
    b"3\xbb\xa5\x08D\xbc\x12\xa2\x02\xed^\xc7\xc3HP\x8dD\xec\xbfZ\x0c\xeb\x1b\xdd\xeb\x06\xe2F\xf1\xccE)\xba\xd6G\xa4\xc3\x82\x91\x7f\xb7)'K\xd1\x14\x00\xd5"
    b"\x87\xa0d\xb8\x1c\xf1<\xe3\xf3U\x1b\xebs~J\x15\x85\x82*\x81\xf1\xdb\xbb\xbc\xfc\xd1\xbd\xd0\x07\x08\x0e'-\xa7\xbd\x1b\x0bg\x1b\xb4\x9a\xb6;ki\xbe\xaaC"
    b"1q\x15w\xeb\xee\x0c:\x88\xaf\xc8\x00\x89\x15'\x9b6\xa7Y\xdah\xb6e\x80\xbd8\xcc\xa2\xb6{\xe5Q\xa4\x8c}{\xb6\x06\x98I9'\xd2'\x84\xe2[W"
    b'\xb9SE \xe7\\\x08\xbb\x84xA\xaeAL\xb68qK\xea\x02g2\xac\x85\x01\xbb\xa1A\x03\xe0p\xbeD\xc1;\x08K\xa2\xe4S\xe3a\r\x9f\x1a\xe9\xb8\x10'
    b'\xbf\xa3N\x94\xd0\\\x1ak\xd2\xc0\x9d\xb3:5ptI.T(\x82R\xb2q~\x92<(i\xea\x1bF\xb1!2\xaa\x9a,o\xba\xa7#\xba;S!\xa0l'
    b':,\x19\x92Ov\xea\x9d\xe0\x17S.]\xddn\x1d\xa2\xb3\xb8\x01\xc8m\x83\xf1\x9a\xa4>\x05G_\x03\xb3\xf3\xadwX\xbaA\x9cR\xa7\x90\x0fj\x1c\xbb\x9fz'
    b'\x8f>\xdd\x04fY\xb7Y,p\x88\xe2w\x03\xb3l#\xc3\xd9^f\x9c3\xb1/\xe5\xbca`\xe7\x15\t\xd94\x92\xf3\xed]\xa7\xe2\xf9X\xb5\xe1\x80v=\x96'
    b"\xfb#<n\xacA',\xc3\x01\x0e2\xa1$\x90:\x1a\x91\xa2\xc9\xd9\xf5\xc1\xe7\xd7\xa7\xcc\x8bxq\xa3\xb82*\xb6\x0e\x19\x12dc\x95N\xcc.\\|\x90&"
    b'\xe8\xc5\x85{\x9f\xb6e\x87\xb2\xbah\xd1\x8bg\xf0o\x9b\x0f3\x1d|\xe7p:|\x8e\xaf\xb0Qm_:_\xac\r\xa6V\x876aW\xdc\xab\xebj/\xe0\x17'
    b'}\x0f\xceL-?\x19\x7f\xf0\xdc\xec\x89wJ# R\xb2xq\xb6\r\xd2v`\xd1\x1e\xd5\xf94\x1c\x07p\x11\xe4\xb3 J*\xf6f\xe3\xff<5\x82\xd6|'
    b'\xf3\xf4\xach`\xcde\xa6\xd3\xe3\xd7<\x18-\xd9B\xd9%`3\x9d8YW\xff\xd8,+;%\xf0>\xb6\xfa\x87\xd8[\xa4\xe1\x0bn;@\xba2j\x84*'
    b'\x00`n\xe9\x12\x10\x92\xd9C\t\xdc;\x86\xc88(0PFJ\xcf\xb0k\xd1\xabw\xc5\x15AkI\xfa\x9dA\xab\xf4\x8a\xae\xcf\x82\x12(\xa8\x06\xa6\xb8\xdc!'
    b'\xba1w\xbe\xfa\x00\x8d\x9a\x89\x18\x9eb~`\x03\x82\x7f\xd9\xf3C7\x02\xcc\xb2\x8bgol\xbf\r\x84]\xc8\x9f\x9d\x8cF\x04`\\\xcb\xa3*\xd4n\t@%'
    b'\x9c/\xee\x12LM[\x12\xab\x1d\xa3\x94\x81\xd0\xc3\x0b\x8b\xe1\x9f0\r8np\xc7e\xe1\xb9\xa6-\xb0n\xab \xae}\x99\xba\xbbW\xdd\x96\xc1*#vB:'
    b'\xcb~D\xdbr\xc1\xf8;\xbd-(\xc6\x1f\xc4\xcf_\xfe\x15\xaau\xc0\xff\xac\x80\xf9\xa9\xe1$\xe8\xc9p\x07\xfa\x84p\x8a,CBKE\xe5\xb9\xdf\xe3\x19\x8a\x89'
    b']\xe4X\x9c!\x00\x9f\xbe\xd1\xebm\xa1\xcew\xf1\x1f\xfd\xb5\xb5E\x9a\xd9a\xcf$y:\x1b\xe9\x84\t\x86\x89>>0\x19\t0\xe7\x1e\x0bPA\xfdd\xf29'
    b"\xe1{\t\xfe\xabJ\x9b\xd1)\x19\xe0\xdf\xe1\xfcm\xa4\xff\xf1\xa6,\x94\x08\xc9\xc3N\xf15,'!\xc6e\x9c\xe2\xe7\xdb\x174\xad\xa7\x9c\x13\x9c+j7\x94\xbd"
    b'\xa9{Y\x93\x8e\x1b\xe9\xa0@\x98\x88h4\xd7\x12\x17\xdd\x931\xce\xf8\x89+\xe7\xbb\xc0%\xa1V3\x10M\x83\xfe\x1c.=\xa9\x19\x04r\xe2\x9c\xb1\n\x80\xf9"'
    b'\xac\xfdn\x9a\xdd\x9f\x02BAI\xa54\xbe\xce\x12\xb9{\xf3\xbd\x87\xb9d\x0fd\xb4\xca\x98\x85\xd3\xa4qA\xcb\xf8\x9e>\x8a6Z`\x15GP\xa5"\xc0\xe9\xe3'
    b"\x8f$$_\xb0H=U\xe5&vd\xcd\x16\xf4\x13\x8cL\xc9\x99\xaaX'\xfa\x07\xb8\x00\xb0oo\x00#\x92S\xda\xad\xdd\x91\xd2\xfb\xab\xd1KW\xfa\x14\x82P"
    b"\xd6\x03\xd0S\xbb\x15\x1aFe\xc9\xf3\xbc\x88(\x10\xb2Z:hluv\xc5'G\xb4l\xc8\xa4Xw:K\xfe\xd6>\x15i\x02\xc2\xc4w\x1dQ9gZ\xa6"
    b'\x94\xaf\x14,F&\xde\xcbK\xa7\xabo\xec`\xf9"vP\xae\x93\xf6\x11\x81T\xa6T\xfd\x1d\xdf!\xae\x1de^\x11\xf3\x90\x8c$\x12\x94\xf4\xe7\x8d_\xd1\x9f]'
    b'\x1eR\xd7\xee*M$?\x15\x96.C(\x90:\x8e\xd4\x16\x9c.w\xbad\xe1\xd8\x98\xebG\xfa\x87\xc1;\x7frcm\xd3\x08\x14\x033\xb5\xc7\xd7\xef\x9a7j'
    b'K\xe2\xae\xcc\xc5\x8f\xe1\xa9\xd3\xbe\x8fO\x915/3\x0c\xc2\x86\xea\x15\x01Gm%\xd1Fl\xcb\xb7\x8a\x99\x88\x01f:\xb52x\xd7\x03\xbao\x90\xce\x81\rE'
    b'\x15\xf5\xd1w\xe7e*\xcd\xf1`\xaa\x8f\x87\x91\x89T\xe5\x06\xbc\xda\xbc;\xb7\xb1\xfb\xc9|\xa9\xcbxHe\xfe\xb0\xf6\x8d\xc7\x8e\x13Q\x1b\xf5u\xe5\x89\xda\x97S'
    b'\xb9\xf1zq\x1dz \tP\xd6 +\xba\xfd\x02!\xa1\xe6\\\x05\x05\xe4\x9e\x96)\xadQ\x12h\xa7\xbc6\x15\xa4}\xaa\x17\xf5\x1a:\xba\xb2\xec)\xdb%\xd7\n'
    b'\x85o\x05\x9b\x0c\xbc\xc7\xfe\xd7\xff\xf5\xe7hR}S\xfa\xae\x12Cb\xc6\xafw\xd9\x9f9\x02S_gOW$N\x83\xb1gB\xdc\xc5\x1b\xcep\xb5Du\xb6'
    b'\xd7^\xd1\xf7\x0bz\xf0\x1aP6\xa0q\xfb\xcf\xefJ\x1e\x17\x15\x0466-\xc3;H\x98\x89\x11\xef+\xcd\x10Q\x94\xd0\xadn\n\x87ae\xa8\xa2r\xbb\xcc\x0b'
    b'\x96\x12\xfePL^m\x18~\x9f\xe8\xfe\x82{9\xe0\xb01pP\xc5\xf6\xc7;\xc27\x8f\x10i\xfdxf\xc8\xa9\xb1\xea/\x96^\x18\xcd}\x14e5\xe6\xe7\x86'
    b'\xf2m[\xbb1\xe0\x92\xb0>\xb7\xd6Y\xab\xf0$@\xc2chc1\xfa\x86\x15\xf23-WH\x8c\xf6\x07\xfc\xae\x9ex\x9f\xccsO\x01G\xad\x8e\x10\xe2B-'
    b'\x93uS\x0f\r{q!L\x06\x1e\x13\x0biN\x91\x9f\xe0*u\xae\x87\xb6\x1bn<B\x9b\xa7\xf3\x0bB\x9b\xd2\xdf\x94\x15\x13\xf5\x97jL?1]\x98Ua'
    b'\x10PE\x08\x07?\xa1\xeb"\xd3\xd2\xb8\x08&kgG+[\x1ce\xba8\x81\x80\x1b\x1b1\xec\xb6q\x86\xb051\xbc\xb1\x0c\xff{\xe0\xf1\x0c\x9c\xfa/]t'
    b"jN\xd3!W\xdf6`\xd0\xb3{\x99'\x88\xdb\xb1\xfaju\xc8\xc3\t\xc2\xd39\xc8\x1dL\xe5[\xe1\x06\xbd\xc8\xc9+\x1eZR\xbf\x81\x9dG&\x08&[\xea"
    b"\xdbU\x01\xdf\x0e\xc7\x11\xd5\xd0\xf5\x0c\x96\xeb<\xe2\x1aJ\x992\x19\x87]r[\xb0\xda\xb1\xce\xb5\x1c52\x05\xca\xb7\xdaI\x15\xc4}\xf7\xc1\x8e'a\xd8\xdeX"
    b'\xa8\xc9\xc2\xb6\xa8[\xfb-\x8cY,\xf5\x8e\xef\xeeHs\x15-\xf1\x07\x91\x803\xd8[\x1dSki\xba\x08\\\xc5f\xf2\x937\x17\xd8INE\xcc\xc5v\xc9\xc8'
    b'\xa8\xc3&\xbc\xf8\x82\xe3\\\xf9\xf6\x85T\xe8\x9d\xf3/z\xc5\xef\xc3\xee>\xedw\x11H\xff\xd4\x17U\xe0\x04\xcbq\xa6\xf1?z=\xeaT\xfe|\x94\xb43\x06\x12'
    b'\n\x10\x12IG1\xbd\x82\x06\xbeo~m{#\xde\xc6y\xea\x11\x19v\x1e\xe1\xde;9\xcb\xe3;C\x07B\x00a\x91x\x98\x94\x0b\xe8\xfa\xeb\xec<\xb1\xe7N'
    b'\xc0\xa4\xf0\x94\x95s\xbep\x85\x91\xd5\xb4\x99\n\xd35\xf4\x97\xe9\\\xc0Dy\xff\xa3Q\\\xb0\xe4=]W|\x84vZ\xfd\x813X\x9f\xda\xf6z\xde>\x87-'
    b'\x81\xf9]N\xe1\x02b\xaa\xf5\xe1\x15P\x17Y\r\xa2l\x1d\xe2\xba\xd3u\xa2\x18S\x02`\x01\x8aaC\x05\t47Cd1z\x15\xd9\x81\xaa\xf4\xee\xb7\xb8\xfa'
    b'\x06H\xa6\xf5\xe6\xfe\x93\xb0\xb6\xa7\x7fpT6w.\xc1#L\x97\xf4\xbd\xea\r\x93F\xce\x9d%\no\xaa,\xba\x9a\xa2\xb8, \x04\r\x96\x07-6C\x14K'
    b'\xa4\xb0\xdd\x12\x9cc\x98\xd5k\x86$\xc00\x9f\xd1\xa5`\xe4\xfcX\x03/|\xd1\x8a^\t.\x15\x95\xa1\x07\xde\xc4.\x9c\xc5\xa9o)\xcb\xf3\x84O\xbfa\x8b\xbc'
    b'\x08\xf9\xa8\x17\xd9\x06w\x1c]%\xd3z\xfc\x95\xb7c\xc8_\x9e8\x02\x8f6\xa8;\xe4\x8d\xcf\x02;C\x90C&A\xc5]\xfd\xa1\xaf7\x01/\x03=\xe8\x8f>'
    b'<\xd1\xef\xe8\x8dLp\x0817\xe03\x8e\x1a\xc5\xdf\xe3\xcd`\x12\xa5]\x9d\xa5\x86\x8c%\xa6\x99\x08\xd6"\x94\xa2p\x05\xb9\x15\x8b/IE\x08gpB\xf2\x94'
    b'\x84\xfd\xbba\xe1Z\x1c\xde\x07@\xac\x7fy;\xbau\x96\xd1\xcdp\xc0\xdb9b\x9a\x8a}l\x8b\x8a\xfe``\x12@\xeb\xbcG\x88\xb3^\x9ew\x87{\xd0\x04\t'
    b'\xb9@\xf9Hf-2\xf49\x0c-\xbd\x0c/\x95\x061\xf9\x81\xa0\xad\x97v\x16l*\xf7\xba\xce\xaa@b\x9c\x91\xba\xdd\xd4\x1f\xce\xb4\xaa\x8dL\xc7>\xdb1\xcf'
    b'Q\xcc\x86\xadc\xccc,\x07\xde\x1d\xbc?\x14\xe2C\xa0\x95\xa2[\x9ct4\xf8Z\xd27\xca[|\x94\xd6j1\xc9\xe7\xa7;\xf1f\xac\x0c\xb4\x8d#\xaf\xbdV'
    b'\xb2;\x9d\xc1l\xd3\x10\x13\xb9\x86#b\xb7k*\x06\\O\xa1\xd7\x91\x85\x9b|TW\x1e~P1\xaa\x03\xeb35\xf5\xe3\xb9*6@=\xb9n\xd5h\x853'
    b'rUZ\x1dR\x14\x0e\x9e\x18\x13t\x83m\xa8$\x1d\x1f\xce\xd4\xffHv\xec\xf4\x1c\x8c\xacT\xf0\xeaE\xe0|5\t\x1d\x82%\xd2\x88YH\xeb\x9a\xdca\xb2C'
    b'd\x13\x95l\x8b=Q\x19{\xf4\x0b\x00&q\xfe\x94g\x95O\xd5\xdd\x10\x8d\x02d\t\x94B\xe2\xd5\xb4\x02\xbby\xbb\x88\x19\x1e[\xe5\x9d5z\xc1}\xd0\x9e\xa0'
    b"3\xea=`\xe2.,\xb0\xc2k'[\xcfU`2\xf2\x8d\xd1(\xcbU\xa1\xb4\x08\xe5l\x18FF\xcc\xea\x89C\x82l\x93\xf4\x9c\xc4\x104]\xae\t\xc8\xa6'"
    b'Ti=\xc4\n\',\xcd\xb2\xcafjW>J\xddl\x03\xd7i$Y\xfay\x99%\x8c=`\x03\x15"\x88\xb1\r\x1f\xcd\xeb\xa6\x8b\xe8[Zg:\xd7\xd37'
    b'ZX\xf5\x15\xa3\xdf.\xf2~\xa1`\xfftq\xb6,\xd0\xe1\x0b9\xf9\xcd\xeeY\xf1\xe3\x8crD B\xa9\xf4\xf0\x94zf\x1c\x89\x826\xf4\x908\xb7\xf4\x1d{'
    b'\x8c\xf5\xf8\x07\x18"._\xd4\t\x94\xd4\x9f\\U\xe30\xa6\xb6\x1f\x8d\xa8\xaa\xb2=\xe0R\xd3E\x82ih$\xa2\xb2\xb3\xe0\xf2\x92\xe4`\x11U+\x06\x9el|'
    b'\x0e{\x7f\r\xe2\x8f\xeb\x15\x92Y\xfcX&\xef\xfcaz\x18\x18*\x85]\xb1\xdb\xd7\xac\xdd\x86\xd3\xaa\xe4\xf3\x82\xc4\xf6\x0f\x81\xe2\xbaD\xcf\x01\xaf=GL\xcfF'
    b'@\x81I\xf1\xa7n<!TH+9\xf8~\x1e|\xba\xce)V\x8c\xc3\x88$\xbb\xc5\x8c\r\xe5\xaae\x10\xf9\xe5\xc4\x9e\xed%eB\x033\x90\x16\x01\xda^\x0e'
    b'\xdc\xca\xe5\xcb\xf2\xa7\xb1r@_\xeb\x14\xcd{8)W\r \xdf%E,\x1cJg\xca\xbf\xd6-;\\0@\x83\xe1\xb1\xe7\x07\n\x16\xe7\x1cO\xe6\x98\xa1i'
    b'\xa2\x8e\xad\xac\xbf\x04;X\x84\xe8\x8b\x14\xe8C\xb7)\xdb\xc5\x10\x08;X\x1e+\xaa\xbb\xb3\x8e\xe5IT+G\xbe=\xebbu:_\xb8\xa0\xbd\x8eT8\xea\xf7'
    b"\x99rtE1\xe5\xc3\x00Q\xd5'\x16\xe7\xe9\x04\x13\xfe\x9c\xdcj\xd2\x14\x98x\x0b\xddH\x8b?\xab\x1b<\n\xc6y\xf9\xff\xe1\x0f\xda\x93\xd6-|-\xdehD"
    b'\xce\x07c\xf8\xc6\xd8\x9aK(\x0c]C15\x11!,wze\xc5f\xa8\xd4Rs$c~B\xa6]\x9eF\x19\x94^5\xbbQT\xc7\xdd#L\xdc\xe63'
    b'b\x99\x7fD\xd6\xb6\xa5\x93c\xbdD\xfbo|\xcel\xca"\xac\xde\x88\xc6\x94\x1a\xf8\x1f\xae\xbb\xf7n\x06\xb9\x0fXY\x8d8\x8c\xad\x88\xa8,\x9f\xe7\xbf\x9a\xf2X'
    b'\xf6\xcd\x0eq\xbfdZK<),F8\xe5L\xb1\xb9:\x0b\xd5V\xd0C6pH[\x18$7\xf9jh>\xe7\x8d\xab\xcf\x0e\xe9\xa5v~7\x9fo\x03T'
    b'\x82Y\x01\xbe\x0b[I\xf06\x1e\xf4\xa7\xc4)vW\x88\xa8\xc6\tE\x02 2s\x89UK\x136\xe0\xd2\x9f(3<#6\xe2\x83\x8f\xc1\xae\x0c\xbb%\x1fp'
    b'\x13\xc1\xbe|\xd9\xf6\x18\x9d\xe4\xdb\xbft\xe6\x06J\x84\xd6`N\xac"\xb5\xf5 Q^\x95P\xc0[\nr\xedla\xe4\xf8\xb0\xa8\xc3}\xa8%\x9e\x0ef\x00\xf7'
    b'\x9c\xa5\xbc\xf4\x1f\x06\xe3a\xe9\x0b\xc4\xbd\xbf\x92\x0c.5Z\x80\x9bC\t?\x0c\xfc\xabBb7\x8bN\xe8F\x93"\\\xf3\x17\x14i\xec\xf0N\x14\xbb\x9c\x9b\x0e'
    b'\xee\xbe\xb1]\xd5\x9b\xee\x8d\xb9?r\n7\xab\xc3\xc9\x91\xd7h\x1c\xbf\xf1\xa8D\xde<\xfd\x1c\x19Dm6\xad W\xfb\x8f\xd4\xba\xfb\x0e\r\xf9\xdbk\x91\x81\xee'
    b'\xbfCUcR1\x81\xd4\xd8{3?\xeb\x04\x11"\x14\x8c\xbc\xf2C\x17<\x9e;l\x85\xb5\xfc&\xda.\x97\xfb\xa7h\x0e/\xb8\xccD2Y\xbc\xe6\xa4gA'
    b"\xee\x8f\xce\xf8e&\xbe\xc2,\xd6\x80\xe8\x14\xffg\xe9\xeeN6/~n.\xf1\xf6\xd2~\xcbp3\xb34\x00'\xf6v(\x9d;d\xebhv\x0e@\x9d\x1d]"
    b'\x84\x06\xfc!\x03CK\x1bj$U"~\xbb8y\xcc\xd6\x81\x86\xee\x91\xc5\xcdS\xa7\x85\xed\x9c\x10\x02\xce\x83\x88\x80X\xc1\x85t\xed\xe4e\xfe-n\xfcv\x11'
    b'\xb8\x0ewI\x89\xe2\x90\xdb\xa3@\xf4\xac*\xcc\xfb\x98\x9b\x87\xd7\xde\xfeO5!\xb6\x06i\xf2T>j\x1f\x9ba\x9c[\xd0l\xaf\xb4\x80\x84\xa5\xb2\xf4\xc9\xdf-'
    b'\xc4M\xe9\xeb\x02\xa5O=4_}gL:\xfc\x08\xea4\x07\xd3\x99\xc1\xa4`\xd6\\\x161\xb6\x85\xc0@\x95\x82Y\xf7#>3\xe2\xd1\x00\xb9\x16\x01\xad/O'
    b'8\xb6;\xb7\x1d\xd9,\x96\x08\x9c\x12\xfc\xaaw\x05\xe6\x89\x16\xb6\xf39\x9bao\x81\xeeD)_\x99Q4TN\xae\x94A\xb2\xbeDl\xefW\x18Q\x1cT_'
    b'\x98\x04\x8d6-k\x1e\xa6\xab\xf7.\x97\xa4\x84TD|}\xea\x9f\xd0\xfcR\x91\xf6\\\x93\xb0\x94l\x81J@\\(G\xaa\x9a\x8e%\xb7\x93(\x04\xa6\x9c\xb8\x10'
    b'Q/[0\xfb\xbf\xee\x96\xb8\x96\x95\x88\xad8\xf9\xd3%\xdd\xd5F\xc7-\xf5\xf0\x95\x00:\xbb\x90\x82\x96W\xdc\xaeX\x8cN\x977F\xa4A\xf0\xab\xfb"\xef\xb9'
    b'\x8aq\x80\xe9V\xd9\x85\xe1\xa6\xa8C\xb1\xfax\x1b/\x01\xe1 \nC\xb8\x1a\xf7G\xec\xf0$\x8de\x93\xf3\xd1\xee\xe2n\xa8\tu\xcf\xe1\xa3*\xdc5>\xc4}'
    b"\x18\x97>'\\*xZ\x94\xfdN^\x99\xc6v5>}#\x1f\x05\xd8.\x0f\x99\n\xd5\x82\x1d\xb8O\x04\xc3\xd9}\x88ef\x96\x85US\xb0K1\x9b\x0f\xc9"
    b'\xb1y \xef\xf8\x8d\xe0\xc6/\xc1\x8cu\x16 \xf7~\xd9\xe3\x07\xa9\xc5\x18\xdf\xc1YcL\xce\x1d7\xb3WI\xbb\x01\xb24Ep\xca.\xdd0\x9c?\x82y\x7f'
    b"\xba\x87\xf5h\xf0\x1f\x9cj\xde\xc8P\x00N\x89'\x08\xe7[\xed}U\x99\xbf<\xf0\xd6\x06\x1cC\xb0\xa9d\xe8\x13\xb5\xa39\xd24\x83\xd8\xa8\x1f\xb9\xd4p6\xc1"
    b'3\xbd\x90\xf56A\xb5\x12\xb4\xd9\x84\xd7s\x03N\n\x19)}[\xa1\xd6\xb3.5\x82:\xd5\xa0\xf6\xb4\xb0G]\xa4\x89C\xceVql4\x18\xce\n}\x1a\x07'
    b'1D\xe1 R5\x0c\xccAQ\xb1\t\x07\x95e\r6_\x9d \x1bb\xf5\x9a\xd3Uwa\xf7\xbci|\x0b\xba\x87\xc8\xaa-\x07\xd3\xeeb\xa5\xbf\x05)&\x01'
    b'\x8bv\xef\xc0\x020T\xcf\x9c~\xeaFq\xcc;,_)\xe8\x04\xeb\xd7\xf0\x07}\xf3P/%\x18\xdb\x10\xd7\x98\x17\x17\xa3\xa9Q\xe9\x1d\xa5\xac"s\x9aZo'
    b'\xbeD\xd9\xa3\xeb\xd4)\xe7\x9e\xafx\x80@\t\x9e\x8d\x03\x9c\x86GzV%E$;\x8d\xee\x80\x96\xab\x02\xc5\xc6A/\x0c\x00\xa1\x8b\x9b\xfb\xfe\x0c\xc1y\x9f\xc4'
    b'\x9f\x1c\xc5<pG\xfaN\xca\xafG\xe1\xa2!NI\x9a\r\xe5\xdd\x85\x8a\xa4\xefI\xa2\xb9\x0fN"\x9a!\xd9\xf6\x1e\xd9\x1d\x1f\t\xfa4\xbbF\xea\xcbv]k'
    b'"%x\x1e\x17A\xf9\xe0\xd36i\x03t\xae\xe6\xf1F\xc7\xfc\xd0\xa2>\x8b@>1\xdd\x03\x9c\x86\xfb\x16\x94\xd9\x0c\xeclUW\x88\xba\x1d\xd0\\o\xdcrd'
    b"w\xb4B\x8f\x14i\x01\xafTs'\x85\xf63\xe3\nb\t\xb63\x97\x19\x8e(3\xe1\xab\xd8\xb4r\xfc$>\xd0\x91\t\xed\xf7\x11Hu\xd0p\x8f\x8b\xe3\x81?"
    b'$\xc8\x17_5\x7f\xdb\n\xa4\x99B\xd7\xc3#\xb9t\xf7\xea\xf8\xcb\x8b>|\xd5=\xdc\xdeL\xd3\xe2\xd3\n\xfe\xaf\xd9~\xcc\x0f\x91\x7fK\x87e$\xa1\xb8\\T'
    b'\x04G\x0cK\xd2~9\xa8\x93\t\xf5\x04\xc1\x0fQP\x9d$n3\xc5\x0f\x0co\xd9\xcf1\xc3\x19\xde^t\x1c\xfe\xee\t\x00\xfd\xd6\xf2\xbe\x1e\xfa\xf0\x8b\x15|\x12'
    b't\xb9Q\xae\xc4\x8f\xa2\xde\x96\xfeMt\xd3s\x99\x1d\xa8H8\x87\x0bh@b\x95\xdfg\xd1y$\xd8N\xa2y\x98.B|\x19\xf6G6\xcaR\xd4\xddJ\xa4'
    b'\xcb\xacNK\xc1?A\x9bhO\xef\x07}\xf8N5u\xd9\xc5`"\xb5\xe3\xfe\xb8\xb0A\xeb\xfc.5P<e\xf6\xa90\xac\x08\x88m#9\x05\xd2\x92-0'
    b'\xc0\x1a\x0c\xc8\x9d\xccm\xa66\xa48\x1b\xf4\\\xa0\x97\xc6\xd7\xdb\x95\xbe\xf3\xeb\xa7\xab}~\x8d\xf6\xb8\xa0}\xa6uV8\x14 x\xef\xe8\xa9\xfd\xaa0\x9fd\xa2'
    b'\xcb\xa8\xdf\\P\xeb\xd1L\xb3\xc0M\x1d\xbaZ\x11Fv\xda\xb5\xc3S\x19\x0f\xd4\x9b\x9e\x11!so\xac\x1d`Y\xb2\xfe!`\xcc\x03KKg\x83~\x88_Z'
    b'\xb9C\xa6\xa0\xd3(\x96\x9ed \xc3\xe6\x00\xcb\xc3\xb52\xec-|\x89\x02S\x9b\x0c\xc7\xd1\xd5\xe2z\xe3C\x11=\xa1p\xcf\x01c\x8f\xc4\xd0\r5\x15\xb8\xce\xcf'
    b'~\xa4\xbc\xa4\xd4\x97\x02\xf74\x14M\xe4V\xb6i63\xe1\xa6\xed\x06?~8\xc0:\xa1\x99Q\x1d0g\x118&6\xf8\xd8Z\xbd\xbe\xe9\xd5O\xcd\xe6!j'
    b'\xe3\xb2\x99f\x12)A\xef\x01\x13\x8dpG\x08\xd3q\xbd\xb0\x82\x11\xd02T26\x8b\x1e\x00\x07\x1b7E_\xe6F0\n\x17\xc6\xf1$5\xd2\x00**qX'
    b'U\xb7\x82\x8c<\xbd\xdbiW\xff\x95\xa1\xf1\xf9kX\x0by\xf8^\x8d\x08\xdb\xa6\xe57\ta\xdc\xf0xR\xb8n\xa1a\xd2I\x03\xacy!\xe5\x907\xb0\xaf\x0e'
    b'\x1d\xaeu\x0f^\x80@Q0\xccb&\xe3\xfb\x02\xecm9\x92\xea\x1e\xdf\xeb,\xb3[C\xc5D3\xaeD/\x04H7\xc1U\x05\x96\x11\xaa\x0b\x82\xe6A\x9a!'
    b'\x0cmHs8\xf7\x81\x1ca\xc6\x02Zg\xcc\x9a0\xeeC\xa5\xbb\xb9\x89\xf2\x9cBq\xc9Z\x9d\x0ev\xf3\xaa`\x93O\xc6\xe5\x82\x1d\x8fg\x94\x7f\x1b"\xd5b'
    b'<z\xf7:&\xd4\x85uM\x14\xe9\xfe\x11{\xae\xdf=\x19\xf7Y\x80p\x06\xa57 \x92\x83S\x9a\xf2\x14m\x93\xd0\x18\x9c)LR\x0c\x1a\x0c\x8al\xb5k\xc8'
    b'1\x86J\xdb.\x05u\xa3bEu\xbc\xe4\xfd\x0e\\\xf5\xd7\xb2%\xdc~q\xdf@0\xb5\x99\xdbp\xf9!bL\xed\xc3\xb74\x92\xda>\t\xee{\\6r^'
    b'>\xb3\x08/\x069\x93}\xbe2\x9f\xdf\xe5Y\x96[\xfd\xbd\x9e\x1f\xad=\xff\xac\xb7Is\xcbU\x05\xb2p\x7f!qE\x07\xfc[W[\xd9\x94\x06]gy7'
    b'3\x1e\x19\xf4\xbb7\n\x9a\xbc\xea\xb4GL\x10\xf1wL,\x11U\xc5\x13Q\xbe\xcd\x1f\x88\x9a:B\x88fG;P^\x85wfDJ@\x06J\x8f94\x0e'
    b'(\x19K>\t\x0b\x93\x18@\xf6\xf3s\x0e\xe1\xe3}o]9s\xda\x172\xf4>\x9c7\xca\xd6\xde\x8ao\xe8\xbd\xce>\xd9"}\xb6\x07/\x82\'A\xe8\xb3\t'
    b'\x8dm[\xb0\x1f\xa6?tr#6\x8a6\x05T^\x9a\xb2\xb7\xfd=\x12@\xe3\x91\xb2\x1a\xa2\xe1\x97{H\x9e\x94\xe6\xfd\x02}\x96\xf9\x97\xde\xd3\xc8.\xe7\rx'
    b"r'\xf4\x00\xf3\xea\x1fg\xaaA\x8c**\xebr\x8f\x9227\x97\xd7\x7f\xa1)\xa6\x87\xb52\xad\xc6\xef\x1d\xbc\xe7\x9a\x08E\x85\xe2\n\x06M\x7f\x1c\xcf\xde\x8d8"
    b'\xb8\x11H\nQ\x15\xac8\xe4\x8c\x92q\xf6\x8b\xb2\x0e\xa7\x95Q\xef\x1a\xbe[\xaf\xed\x15{\x91w\x12\x8c\x14.\xda\xe5z\xfb\xf7\x91)g(\xdd\xf8\x1b }F'
    b'\x7f\x87;\x19\xc9\x00.\xbbkP\xdc\xe0\x90\xa8\xe3\xec\x9fd\xde6\xc0\xb7\xf3\xec\x1a\x9e\xde\x98\x08\x04F_\xdb\xce/\x83E\x88\x9dsc\xf8k\xae\xc9\xd68\xfa'
    b'\xf7\xfeO\xb7\xca\r\xbc2^\xe4\xbc\x14\x88~\x93s\x8d\xf4{)\x16q\x03\xb94h\xf0\xd4";\xd1\xa9\xc6\xbd\x96FW\x15\x97\xe15\xe8\xd5\x91\xe8\xa4\xf8,'
    b'\xa2k\xd0\x17~H\xb5,k\x19P9\x1c8\xd2$0\x8a\x97\x85\x81\x9ce\xd7\xf6\xa4\xd6\x91(\x7fozg\x0f\x11\x07\x87\xfd\x93mI\xb58|\xd3\tL\xdd'
    b'\x86js\xc2Lj\xb1|\t*%Xn\xbdI I\xef\x9aj\x8d\xfd\t}\x0b\xb9=[\xbe`\xee\xf0\xd4\xbf\x9eQ,\xb5!L\x1d\x94E\xc5\xdf\xaa\x11`'
    b'\x90\xf8\xcb\x02\xc8\xd0\xdec\xaaj\xff\r\xca\x98\xd0\xfb\x99\xed\xb6\xb9\xfd\nMb\x1e\x0b4y\xb7\x18\xcei<\xf8\x95\xcfm\x92g_q\x90(qa\x85~|'
    b'[z\x8f\x99\xf3\xe7\xa1\xd6\xe0\xf9b\x0b\x1b\xcc\xc5o\xcby\x98\xb2(U\xef\xd1\x92\x90~\xd4<\xae\x1a\xddR#\x9f\x18B\x04~\x12\xf1\x01q\xe5:kY\x15'
    b'\xca$Q~\x161\xff\t\xdfE\xc7\xd9\x8b\x15\xe4\x0b\xe5V\xf5~"}+)8\xd1\xb6\xafA\xe2\xa4:\xa2y\x91?\xd29\'F\xcf\xdd\xd6\x971\x12\x83\xff'
    b'\x8a\x14\xf2S\xb5\xde\x07\x13\xdaM_{h7"\r\xf5\x053*\xbf8\xc1,\xc3&\xe9\xa2\x8f?XH\xeb\xd2IU\xa2\xb1:\x08l\xa3\x87Fn\xaa\xfc2'
    b"\xdf\xcc\x87's\xa4\x072\xf8\xe3\x13\xf2\x08\x19\xe3\x17N\x96\r\xf6\xd7\xec\xb2\xd5\xe9\x0b`\xc26cot\xf5\x9a}\xc5\x8dn\xc5{\xf2\xbd\xf0\x9d\xed\xd2\x0b>"
    b'\xa3\xe4\xef"\xde\x14\xc0\xaa\\j\xbd\xfe\xce\xe9\'F\x1c\x97l\xabE\xf3J?\x1fsC\x99r\xeb\x88\xe2m\x18D\x03\x8ajY3\x93b\xd6~\x00\x17I{'
    b'\xdd\xa2S\xdd(\x1b4T?\xfcB\xdf[\x90\x17\xaa\xf4\xf8\xd2M\xd9\x92\xf5\x0f}\xd3\x8c\xe0\x0fb\x03\x1dd\xb0\x84\xab\\\xfb\x85-\x14\xbc\xf3\x89\xd2\x10xI'
    b'\x0c\xce\x15{D\xdcjG{\xfdD\xf8v\xa3+\x12T\xe5\xb4\xa2\xcd2\x02\xc2\x7f\x18]\x11B\xfd\xd0\x9e\xd9y\xd4}\xbe\xb4\xab.L\xech+\xf5\x0b\xc7\x02'
    b'\xe1r\x8dE\xbf2\xe5\xac\xb5<\xb7|\xe0h\xe7[\xe7\xbd\x8b\xee\x94}\xcfV\x03:\xb4\xfe\xe3\x97\x06k\xbb/\x0b]K\xec\x87\xa2\xca\x82H\x07\x90W\\A'
    b'\\\x81\xd0\xc1\x1e\xa6D\xe0\xe0\xf5\x9e@\nO3&\xc0\xa3b\xdfJ\xf0\xc8\xb6]\xa4m\x07\xef\x00\xf0>\xa9\xd2\xf0IX\xb9\x9c\x9c\xae/\x1bDC\x7f\xc3\x1c'
    b'\xb9\xae\xce\xc9\xf1Vf\xd7je\xe5\x18\xf8\x15[\x1c4#L\x842(\xe7&8h\x19/wo4:O2\xc7\\ZV\x8fP"\xa9\x06\xe5\xc0\xc4a\xd0'
    b'\x19\xacE\\\xdb\xab\x18\xfbJ1\x80\x03\xc1\thl\xc8j\xda\xe2\x12Q\xd5\xd2\xedQ\xe8\xb11\x03\xbd\xe9br\xc6\x8e\xddF\x07\x96\xd0\xc5\xf7n\x9f\x1b\x91\x05'
)
