package dev.pilothouse; public class Main { public static void main(String[] a){} }
